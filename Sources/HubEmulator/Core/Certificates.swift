import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import SwiftASN1
import X509

/// CA certificates and proof of possession (`az iot hub certificate create/generate-verification-code/verify`).
extension HubCore {
    public func uploadCertificate(hub: String, name: String, pem: String, verified: Bool) throws -> CACertificateRecord {
        try self.withHub(hub) { state in
            let record = try CertificateProof.upload(name: name, pem: pem, verified: verified, previous: state.certificates[name], now: self.timestamp())
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
            try CertificateProof.check(record, etag: etag)
            return record
        }
    }

    public func generateVerificationCode(hub: String, name: String, etag: String) throws -> CACertificateRecord {
        try self.updateCertificate(hub: hub, name: name, etag: etag) { CertificateProof.withVerificationCode($0, now: self.timestamp()) }
    }

    /// Proof of possession: the verification certificate must be signed by the CA and carry the code as its CN.
    public func verifyCertificate(hub: String, name: String, etag: String, verificationPEM: String) throws -> CACertificateRecord {
        let record = try self.updateCertificate(hub: hub, name: name, etag: etag) {
            try CertificateProof.verify($0, verificationPEM: verificationPEM, now: self.timestamp())
        }
        self.logger.info("CA certificate verified", metadata: ["hub": "\(hub)", "name": "\(name)"])
        return record
    }

    private func updateCertificate(hub: String, name: String, etag: String, _ change: (CACertificateRecord) throws -> CACertificateRecord) throws -> CACertificateRecord {
        try self.withHub(hub) { state in
            guard let record = state.certificates[name] else {
                throw ServiceError(404, 404001, "CertificateNotFound", "no certificate named '\(name)'")
            }
            try CertificateProof.check(record, etag: etag)
            let updated = try change(record)
            try self.store.save(updated, hub: state.record.name)
            state.certificates[name] = updated
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
        return CertificateProof.path(from: chain, to: cas, now: self.now()) != nil
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
