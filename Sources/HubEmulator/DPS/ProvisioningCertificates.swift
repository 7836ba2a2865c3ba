import Foundation
import Logging

/// A DPS instance's CA certificates and their proof of possession (`az iot dps certificate …`), through the
/// ``CertificateRegistry`` the hub uses too; a verified one anchors X.509 attestation.
extension ProvisioningService {
    public func uploadCertificate(dps: String, name: String, pem: String, verified: Bool) throws -> CACertificateRecord {
        try self.withInstance(dps) { state in
            let record = try state.certificates.upload(name: name, pem: pem, verified: verified, now: self.timestamp()) {
                try self.store.saveProvisioningCertificate($0, dps: state.record.name)
            }
            self.logger.info("DPS CA certificate uploaded", metadata: ["dps": "\(state.record.name)", "name": "\(name)", "verified": "\(verified)"])
            return record
        }
    }

    public func certificates(dps: String) throws -> [CACertificateRecord] {
        try self.withInstance(dps) { $0.certificates.sorted }
    }

    public func certificate(dps: String, name: String) throws -> CACertificateRecord {
        try self.withInstance(dps) { try $0.certificates.record(name, etag: nil) }
    }

    public func generateVerificationCode(dps: String, name: String, etag: String) throws -> CACertificateRecord {
        try self.withInstance(dps) { state in
            try state.certificates.generateVerificationCode(name, etag: etag, now: self.timestamp()) {
                try self.store.saveProvisioningCertificate($0, dps: state.record.name)
            }
        }
    }

    public func verifyCertificate(dps: String, name: String, etag: String, verificationPEM: String) throws -> CACertificateRecord {
        let record = try self.withInstance(dps) { state in
            try state.certificates.verify(name, etag: etag, verificationPEM: verificationPEM, now: self.timestamp()) {
                try self.store.saveProvisioningCertificate($0, dps: state.record.name)
            }
        }
        self.logger.info("DPS CA certificate verified", metadata: ["dps": "\(dps)", "name": "\(name)"])
        return record
    }

    public func deleteCertificate(dps: String, name: String, etag: String) throws {
        try self.withInstance(dps) { state in
            try state.certificates.delete(name, etag: etag) {
                try self.store.deleteProvisioningCertificate($0, dps: state.record.name)
            }
        }
    }
}
