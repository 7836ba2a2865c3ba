import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import SwiftASN1
import X509

/// CA certificates and proof of possession (`az iot hub certificate create/generate-verification-code/verify`).
extension HubCore {
    public func uploadCertificate(hub: String, name: String, pem: String, verified: Bool) throws -> CACertificateRecord {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: pem)
        } catch {
            throw ServiceError(400, 400004, "ArgumentInvalid", "the certificate '\(name)' is not a PEM X.509 certificate: \(error)")
        }
        guard (try? certificate.extensions.basicConstraints) == .isCertificateAuthority(maxPathLength: nil)
            || { if case .isCertificateAuthority = try? certificate.extensions.basicConstraints { return true } else { return false } }()
        else {
            throw ServiceError(400, 400004, "ArgumentInvalid", "the certificate '\(name)' is not a CA certificate")
        }
        return try self.withHub(hub) { state in
            let now = self.timestamp()
            let record = CACertificateRecord(
                name: name, pem: pem, verified: verified, verificationCode: nil,
                etagCounter: (state.certificates[name]?.etagCounter ?? 0) + 1, subject: certificate.subject.description,
                thumbprint: thumbprint(certificate, sha256: false), expiry: iso8601(certificate.notValidAfter),
                created: state.certificates[name]?.created ?? now, updated: now)
            try self.store.save(record, hub: state.record.name)
            state.certificates[name] = record
            self.logger.info("CA certificate uploaded", metadata: ["hub": "\(state.record.name)", "name": "\(name)", "verified": "\(verified)"])
            return record
        }
    }

    public func certificates(hub: String) throws -> [CACertificateRecord] {
        try self.withHub(hub) { state in state.certificates.values.sorted { $0.name < $1.name } }
    }

    public func certificate(hub: String, name: String, etag: String? = nil) throws -> CACertificateRecord {
        try self.withHub(hub) { state in
            guard let record = state.certificates[name] else {
                throw ServiceError(404, 404001, "CertificateNotFound", "no certificate named '\(name)'")
            }
            if let etag, etag != "*", etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) != record.etag {
                throw ServiceError(412, 412001, "PreconditionFailed", "the etag '\(etag)' does not match '\(record.etag)'")
            }
            return record
        }
    }

    public func generateVerificationCode(hub: String, name: String, etag: String) throws -> CACertificateRecord {
        _ = try self.certificate(hub: hub, name: name, etag: etag)
        return try self.withHub(hub) { state in
            var record = state.certificates[name]!
            record.verificationCode = (0..<24).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
            record.etagCounter += 1
            record.updated = self.timestamp()
            try self.store.save(record, hub: state.record.name)
            state.certificates[name] = record
            return record
        }
    }

    /// Proof of possession: the verification certificate must be signed by the CA and carry the code as its CN.
    public func verifyCertificate(hub: String, name: String, etag: String, verificationPEM: String) throws -> CACertificateRecord {
        let record = try self.certificate(hub: hub, name: name, etag: etag)
        guard let code = record.verificationCode else {
            throw ServiceError(400, 400004, "ArgumentInvalid", "generate a verification code for '\(name)' first")
        }
        let verification: Certificate
        let ca: Certificate
        do {
            verification = try Certificate(pemEncoded: verificationPEM)
            ca = try Certificate(pemEncoded: record.pem)
        } catch {
            throw ServiceError(400, 400004, "ArgumentInvalid", "the verification certificate is not PEM: \(error)")
        }
        let commonName = verification.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
        guard commonName == code else {
            throw ServiceError(400, 400004, "ArgumentInvalid", "the verification certificate's CN is '\(commonName ?? "")', not the code '\(code)'")
        }
        guard verification.issuer == ca.subject, ca.publicKey.isValidSignature(verification.signature, for: verification) else {
            throw ServiceError(400, 400004, "ArgumentInvalid", "the verification certificate is not signed by '\(name)'")
        }
        return try self.withHub(hub) { state in
            var updated = state.certificates[name]!
            updated.verified = true
            updated.verificationCode = nil
            updated.etagCounter += 1
            updated.updated = self.timestamp()
            try self.store.save(updated, hub: state.record.name)
            state.certificates[name] = updated
            self.logger.info("CA certificate verified", metadata: ["hub": "\(state.record.name)", "name": "\(name)"])
            return updated
        }
    }

    public func deleteCertificate(hub: String, name: String, etag: String) throws {
        _ = try self.certificate(hub: hub, name: name, etag: etag)
        try self.withHub(hub) { state in
            try self.store.deleteCertificate(name, hub: state.record.name)
            state.certificates[name] = nil
        }
    }

    /// Whether a presented chain (leaf first) leads, through its own intermediates, to a verified CA of the hub.
    func chainReachesVerifiedCA(_ chain: [Certificate], state: HubState) -> Bool {
        let cas = state.certificates.values.filter(\.verified).compactMap { try? Certificate(pemEncoded: $0.pem) }
        let now = self.now()
        guard var current = chain.first else { return false }
        var intermediates = Array(chain.dropFirst())
        for _ in 0..<8 {
            guard current.notValidBefore <= now + 300, current.notValidAfter >= now else { return false }
            if let ca = cas.first(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) }) {
                return ca.notValidAfter >= now
            }
            guard let index = intermediates.firstIndex(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) })
            else { return false }
            current = intermediates.remove(at: index)
        }
        return false
    }
}

/// A certificate's SHA-1 or SHA-256 thumbprint, upper-case hex.
func thumbprint(_ certificate: Certificate, sha256: Bool) -> String {
    var serializer = DER.Serializer()
    try? serializer.serialize(certificate)
    let bytes = serializer.serializedBytes
    let digest: [UInt8] = sha256 ? Array(SHA256.hash(data: bytes)) : Array(Insecure.SHA1.hash(data: bytes))
    return digest.map { String(format: "%02X", $0) }.joined()
}
