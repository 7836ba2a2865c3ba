import Foundation
import Secrets
import SwiftASN1
import X509

/// CA certificates with proof of possession, the same for a hub's certificates ("Authenticate identities with X.509
/// certificates", learn.microsoft.com/azure/iot-hub/authenticate-authorize-x509, "Register the X.509 CA certificate to
/// IoT Hub") and a DPS instance's ("How to do proof-of-possession for X.509 CA certificates with your provisioning
/// service", learn.microsoft.com/azure/iot-dps/how-to-verify-certificates): upload (unverified), a verification code,
/// then a certificate with CN = code signed by the CA.
enum CertificateProof {
    /// A new or replaced record for an uploaded CA certificate.
    /// - Returns: the record, and the certificate parsed from `pem`.
    static func upload(
        name: String, pem: String, verified: Bool, previous: CACertificateRecord?, now: String
    ) throws -> (record: CACertificateRecord, certificate: Certificate) {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: pem)
        } catch {
            throw IoTHubError.argumentInvalid("the certificate '\(name)' is not a PEM X.509 certificate: \(error)")
        }
        guard case .isCertificateAuthority = try? certificate.extensions.basicConstraints else {
            throw IoTHubError.argumentInvalid("the certificate '\(name)' is not a CA certificate")
        }
        let record = CACertificateRecord(
            name: name, pem: pem, verified: verified, verificationCode: nil, etagCounter: (previous?.etagCounter ?? 0) + 1,
            subject: certificate.subject.description, thumbprint: thumbprint(certificate, sha256: false),
            expiry: iso8601(certificate.notValidAfter), created: previous?.created ?? now, updated: now)
        return (record, certificate)
    }

    /// Checks an `If-Match` etag (`*` matches any).
    static func check(_ record: CACertificateRecord, etag: String?) throws {
        if let etag, etag != "*", etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) != record.etag {
            throw IoTHubError.preconditionFailed("the etag '\(etag)' does not match '\(record.etag)'")
        }
    }

    /// The record with a fresh verification code.
    static func withVerificationCode(_ record: CACertificateRecord, now: String) -> CACertificateRecord {
        var updated = record
        updated.verificationCode = SecureRandom.hex(24).uppercased()
        updated.etagCounter += 1
        updated.updated = now
        return updated
    }

    /// The record once verified by `verificationPEM`: CN = the code, signed by the CA's key.
    static func verify(_ record: CACertificateRecord, verificationPEM: String, now: String) throws -> CACertificateRecord {
        guard let code = record.verificationCode else {
            throw IoTHubError.argumentInvalid("generate a verification code for '\(record.name)' first")
        }
        let verification: Certificate
        let ca: Certificate
        do {
            verification = try Certificate(pemEncoded: verificationPEM)
            ca = try Certificate(pemEncoded: record.pem)
        } catch {
            throw IoTHubError.argumentInvalid("the verification certificate is not PEM: \(error)")
        }
        let commonName = verification.commonName
        guard commonName == code else {
            throw IoTHubError.argumentInvalid("the verification certificate's CN is '\(commonName ?? "")', not the code '\(code)'")
        }
        guard verification.issuer == ca.subject, ca.publicKey.isValidSignature(verification.signature, for: verification) else {
            throw IoTHubError.argumentInvalid("the verification certificate is not signed by '\(record.name)'")
        }
        var updated = record
        updated.verified = true
        updated.verificationCode = nil
        updated.etagCounter += 1
        updated.updated = now
        return updated
    }

    /// The path from a presented chain's leaf upwards: each element signed by the next, the last one signed by one of
    /// `anchors` (which ends the path). Nil when the chain does not reach an anchor through valid signatures and
    /// validity windows. Intermediates may come in any order.
    static func path(from chain: [Certificate], to anchors: [Certificate], now: Date) -> [Certificate]? {
        guard var current = chain.first else { return nil }
        var path = [current]
        var intermediates = Array(chain.dropFirst())
        for _ in 0..<8 {
            guard current.notValidBefore <= now + 300, current.notValidAfter >= now else { return nil }
            if let anchor = anchors.first(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) }) {
                return anchor.notValidAfter >= now ? path + [anchor] : nil
            }
            guard let index = intermediates.firstIndex(where: { $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current) })
            else { return nil }
            current = intermediates.remove(at: index)
            guard case .isCertificateAuthority = try? current.extensions.basicConstraints else { return nil }
            path.append(current)
        }
        return nil
    }
}

extension Certificate {
    /// The subject's common name.
    var commonName: String? {
        self.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
    }
}
