import Crypto
import Foundation
import Logging
import SwiftASN1
import X509

/// A hub's CA certificates and proof of possession (`az iot hub certificate create/generate-verification-code/verify`),
/// through the ``CertificateRegistry`` that DPS uses too.
extension HubCore {
    public func uploadCertificate(hub: String, name: String, pem: String, verified: Bool) throws -> CACertificateRecord {
        try self.registry.update(hub) { state in
            let hubName = state.record.name
            let record = try state.certificates.upload(name: name, pem: pem, verified: verified, now: self.timestamp()) {
                try self.store.save($0, hub: hubName)
            }
            self.logger.info("CA certificate uploaded", metadata: ["hub": "\(hubName)", "name": "\(name)", "verified": "\(verified)"])
            return record
        }
    }

    public func certificates(hub: String) throws -> [CACertificateRecord] {
        try self.registry.read(hub) { $0.certificates.sorted }
    }

    public func certificate(hub: String, name: String, etag: String? = nil) throws -> CACertificateRecord {
        try self.registry.read(hub) { try $0.certificates.record(name, etag: etag) }
    }

    public func generateVerificationCode(hub: String, name: String, etag: String) throws -> CACertificateRecord {
        try self.registry.update(hub) { state in
            let hubName = state.record.name
            return try state.certificates.generateVerificationCode(name, etag: etag, now: self.timestamp()) { try self.store.save($0, hub: hubName) }
        }
    }

    /// Proof of possession: the verification certificate must be signed by the CA and carry the code as its CN.
    public func verifyCertificate(hub: String, name: String, etag: String, verificationPEM: String) throws -> CACertificateRecord {
        let record = try self.registry.update(hub) { state in
            let hubName = state.record.name
            return try state.certificates.verify(name, etag: etag, verificationPEM: verificationPEM, now: self.timestamp()) {
                try self.store.save($0, hub: hubName)
            }
        }
        self.logger.info("CA certificate verified", metadata: ["hub": "\(hub)", "name": "\(name)"])
        return record
    }

    public func deleteCertificate(hub: String, name: String, etag: String) throws {
        try self.registry.update(hub) { state in
            let hubName = state.record.name
            try state.certificates.delete(name, etag: etag) { try self.store.deleteCertificate($0, hub: hubName) }
        }
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
