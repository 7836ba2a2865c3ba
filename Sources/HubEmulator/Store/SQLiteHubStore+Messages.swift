import GRDB
import JSON

/// Cloud-to-device queues.
extension SQLiteHubStore {
    public func enqueue(_ message: C2DMessage, hub: String, device: String) throws(HubStoreError) -> Int64 {
        try self.write("queue a C2D message for \(hub)/\(device)") { db in
            try db.execute(sql: "INSERT INTO c2d (hub, device, record) VALUES (?, ?, ?)", arguments: [hub, device, message.json.text])
            return db.lastInsertedRowID
        }
    }

    public func queued(hub: String, device: String) throws(HubStoreError) -> [C2DMessage] {
        try self.records(
            "read the C2D queue of \(hub)/\(device)", table: "c2d",
            sql: "SELECT sequence, record FROM c2d WHERE hub = ? AND device = ? ORDER BY sequence", arguments: [hub, device],
            key: { "\($0["sequence"] as Int64)" }
        ) { row, json in C2DMessage(sequence: row["sequence"], json: json) }
    }

    public func markDelivered(sequence: Int64) throws(HubStoreError) -> C2DMessage? {
        // One write transaction: GRDB's DatabaseQueue serializes writers, so a completion (or a second delivery)
        // cannot come between the read and the update.
        try self.write("count a delivery of C2D message \(sequence)") { db -> C2DMessage? in
            guard let text = try String.fetchOne(db, sql: "SELECT record FROM c2d WHERE sequence = ?", arguments: [sequence]) else {
                return nil  // completed or purged meanwhile: not delivered now
            }
            var message = try self.decode(text, table: "c2d", key: "\(sequence)") { C2DMessage(sequence: sequence, json: $0) }
            message.deliveryCount += 1
            try db.execute(sql: "UPDATE c2d SET record = ? WHERE sequence = ?", arguments: [message.json.text, sequence])
            return message
        }
    }

    public func removeMessage(sequence: Int64) throws(HubStoreError) {
        try self.write("complete C2D message \(sequence)") { db in
            try db.execute(sql: "DELETE FROM c2d WHERE sequence = ?", arguments: [sequence])
        }
    }

    public func purgeMessages(hub: String, device: String) throws(HubStoreError) -> Int {
        try self.write("purge the C2D queue of \(hub)/\(device)") { db in
            try db.execute(sql: "DELETE FROM c2d WHERE hub = ? AND device = ?", arguments: [hub, device])
            return db.changesCount
        }
    }
}
