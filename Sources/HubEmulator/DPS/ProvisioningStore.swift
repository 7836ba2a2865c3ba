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

extension SQLiteHubStore {
    public func provisioningDocuments(_ kind: ProvisioningDocumentKind) throws(HubStoreError) -> [(dps: String, key: String, document: JSONValue)] {
        try self.records(
            "read the DPS \(kind.rawValue) documents", table: "dps",
            sql: "SELECT dps, key, record FROM dps WHERE kind = ? ORDER BY dps, key", arguments: [kind.rawValue],
            key: { "\(kind.rawValue)/\($0["dps"] as String)/\($0["key"] as String)" }
        ) { row, document in (row["dps"], row["key"], document) }
    }

    public func saveProvisioningDocuments(_ documents: [(kind: ProvisioningDocumentKind, dps: String, key: String, document: JSONValue)]) throws(HubStoreError) {
        try self.write("save \(documents.count) DPS document(s)") { db in
            for item in documents {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO dps (kind, dps, key, record) VALUES (?, ?, ?, ?)",
                    arguments: [item.kind.rawValue, item.dps, item.key, item.document.text])
            }
        }
    }

    public func deleteProvisioningDocument(_ kind: ProvisioningDocumentKind, dps: String, key: String) throws(HubStoreError) {
        try self.write("delete DPS \(kind.rawValue) document \(dps)/\(key)") { db in
            try db.execute(sql: "DELETE FROM dps WHERE kind = ? AND dps = ? AND key = ?", arguments: [kind.rawValue, dps, key])
        }
    }
}
