import GRDB
import JSON

/// The DPS documents a store keeps, one table keyed by (kind, DPS name, key), each a JSON document.
public enum ProvisioningDocumentKind: String, Sendable, CaseIterable {
    /// A DPS instance: name, ID scope, linked hubs.
    case instance
    /// A CA certificate with its proof-of-possession state.
    case certificate
    case enrollmentGroup
    case enrollment
    /// A device's registration state (DeviceRegistrationState).
    case registration
    /// A registration operation, pollable until it ends.
    case operation
}

extension HubStore {
    public func provisioningDocuments(_ kind: ProvisioningDocumentKind) throws -> [(dps: String, key: String, document: JSONValue)] {
        try self.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT dps, key, record FROM dps WHERE kind = ? ORDER BY dps, key", arguments: [kind.rawValue])
                .compactMap { row in
                    let record: String = row["record"]
                    guard let document = try? JSONValue.parse(record) else { return nil }
                    return (row["dps"], row["key"], document)
                }
        }
    }

    public func saveProvisioningDocument(_ kind: ProvisioningDocumentKind, dps: String, key: String, _ document: JSONValue) throws {
        try self.queue.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO dps (kind, dps, key, record) VALUES (?, ?, ?, ?)",
                arguments: [kind.rawValue, dps, key, document.text])
        }
    }

    /// Saves several documents in one transaction (one sync to disk).
    public func saveProvisioningDocuments(_ documents: [(kind: ProvisioningDocumentKind, dps: String, key: String, document: JSONValue)]) throws {
        try self.queue.write { db in
            for item in documents {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO dps (kind, dps, key, record) VALUES (?, ?, ?, ?)",
                    arguments: [item.kind.rawValue, item.dps, item.key, item.document.text])
            }
        }
    }

    public func deleteProvisioningDocument(_ kind: ProvisioningDocumentKind, dps: String, key: String) throws {
        try self.queue.write { db in
            try db.execute(sql: "DELETE FROM dps WHERE kind = ? AND dps = ? AND key = ?", arguments: [kind.rawValue, dps, key])
        }
    }
}
