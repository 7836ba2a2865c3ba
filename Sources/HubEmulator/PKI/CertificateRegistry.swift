import SwiftASN1
import X509

/// The CA certificates of a hub or of a DPS instance, with proof of possession (``CertificateProof``): one
/// implementation for both. Each certificate is parsed once, when it is loaded or uploaded, so that an X.509
/// CONNECT or registration finds the verified anchors without parsing PEM.
///
/// A value type: its owner (the hub core or the provisioning service) keeps it under its lock and persists each
/// change through the closure it passes, before the change is kept.
struct CertificateRegistry {
    private(set) var records: [String: CACertificateRecord] = [:]
    private var parsed: [String: Certificate] = [:]

    init() {}

    subscript(name: String) -> CACertificateRecord? { self.records[name] }

    /// Every certificate, by name.
    var sorted: [CACertificateRecord] { self.records.values.sorted { $0.name < $1.name } }

    /// The verified certificates: the anchors of X.509 CA authentication.
    var verifiedAnchors: [Certificate] { self.records.values.filter(\.verified).compactMap { self.parsed[$0.name] } }

    /// Every uploaded certificate, verified or not.
    var uploaded: [Certificate] { Array(self.parsed.values) }

    /// Takes a stored record (at load). - Throws: when its PEM does not parse (`table`/`key` name the row).
    mutating func load(_ record: CACertificateRecord, table: String, key: String) throws(HubStoreError) {
        do {
            self.parsed[record.name] = try Certificate(pemEncoded: record.pem)
        } catch {
            throw .corruptRow(table: table, key: key, reason: "the certificate is not PEM: \(error)")
        }
        self.records[record.name] = record
    }

    /// `certificate create`: a new or replaced record, stored by `persist` first.
    mutating func upload(name: String, pem: String, verified: Bool, now: String, persist: (CACertificateRecord) throws -> Void) throws -> CACertificateRecord {
        let (record, certificate) = try CertificateProof.upload(name: name, pem: pem, verified: verified, previous: self.records[name], now: now)
        try persist(record)
        self.records[name] = record
        self.parsed[name] = certificate
        return record
    }

    /// The record named `name`, its etag checked (`*` or nil matches any).
    func record(_ name: String, etag: String?) throws -> CACertificateRecord {
        guard let record = self.records[name] else {
            throw IoTHubError.certificateNotFound("no certificate named '\(name)'")
        }
        try CertificateProof.check(record, etag: etag)
        return record
    }

    /// `generate-verification-code`.
    mutating func generateVerificationCode(_ name: String, etag: String, now: String, persist: (CACertificateRecord) throws -> Void) throws -> CACertificateRecord {
        try self.update(name, etag: etag, persist: persist) { CertificateProof.withVerificationCode($0, now: now) }
    }

    /// `verify`: proof of possession by a certificate with CN = the code, signed by the CA.
    mutating func verify(_ name: String, etag: String, verificationPEM: String, now: String, persist: (CACertificateRecord) throws -> Void) throws -> CACertificateRecord {
        try self.update(name, etag: etag, persist: persist) { try CertificateProof.verify($0, verificationPEM: verificationPEM, now: now) }
    }

    /// `certificate delete`, removed from the store by `remove` first.
    mutating func delete(_ name: String, etag: String, remove: (String) throws -> Void) throws {
        _ = try self.record(name, etag: etag)
        try remove(name)
        self.records[name] = nil
        self.parsed[name] = nil
    }

    private mutating func update(
        _ name: String, etag: String, persist: (CACertificateRecord) throws -> Void, _ change: (CACertificateRecord) throws -> CACertificateRecord
    ) throws -> CACertificateRecord {
        let updated = try change(try self.record(name, etag: etag))
        try persist(updated)
        self.records[name] = updated
        return updated
    }
}
