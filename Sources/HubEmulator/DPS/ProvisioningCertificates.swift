import Foundation
import Logging

/// A DPS instance's CA certificates and their proof of possession (`az iot dps certificate …`); a verified one
/// anchors X.509 attestation.
extension ProvisioningService {
    public func uploadCertificate(dps: String, name: String, pem: String, verified: Bool) throws -> CACertificateRecord {
        try self.withInstance(dps) { state in
            let record = try CertificateProof.upload(name: name, pem: pem, verified: verified, previous: state.certificates[name], now: self.timestamp())
            try self.store.saveProvisioningDocument(.certificate, dps: state.record.name, key: name, record.json)
            state.certificates[name] = record
            self.logger.info("DPS CA certificate uploaded", metadata: ["dps": "\(state.record.name)", "name": "\(name)", "verified": "\(verified)"])
            return record
        }
    }

    public func certificates(dps: String) throws -> [CACertificateRecord] {
        try self.withInstance(dps) { state in state.certificates.values.sorted { $0.name < $1.name } }
    }

    public func certificate(dps: String, name: String) throws -> CACertificateRecord {
        try self.withInstance(dps) { state in try Self.certificate(state, name) }
    }

    public func generateVerificationCode(dps: String, name: String, etag: String) throws -> CACertificateRecord {
        try self.updateCertificate(dps: dps, name: name, etag: etag) { CertificateProof.withVerificationCode($0, now: self.timestamp()) }
    }

    public func verifyCertificate(dps: String, name: String, etag: String, verificationPEM: String) throws -> CACertificateRecord {
        let record = try self.updateCertificate(dps: dps, name: name, etag: etag) {
            try CertificateProof.verify($0, verificationPEM: verificationPEM, now: self.timestamp())
        }
        self.logger.info("DPS CA certificate verified", metadata: ["dps": "\(dps)", "name": "\(name)"])
        return record
    }

    public func deleteCertificate(dps: String, name: String, etag: String) throws {
        try self.withInstance(dps) { state in
            try CertificateProof.check(try Self.certificate(state, name), etag: etag)
            try self.store.deleteProvisioningDocument(.certificate, dps: state.record.name, key: name)
            state.certificates[name] = nil
        }
    }

    private func updateCertificate(dps: String, name: String, etag: String, _ change: (CACertificateRecord) throws -> CACertificateRecord) throws -> CACertificateRecord {
        try self.withInstance(dps) { state in
            let record = try Self.certificate(state, name)
            try CertificateProof.check(record, etag: etag)
            let updated = try change(record)
            try self.store.saveProvisioningDocument(.certificate, dps: state.record.name, key: name, updated.json)
            state.certificates[name] = updated
            return updated
        }
    }

    private static func certificate(_ state: InstanceState, _ name: String) throws -> CACertificateRecord {
        guard let record = state.certificates[name] else {
            throw ServiceError(404, 404001, "CertificateNotFound", "no certificate named '\(name)'")
        }
        return record
    }
}
