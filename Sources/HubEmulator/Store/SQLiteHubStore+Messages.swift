import GRDB

/// Cloud-to-device queues. What runs on every message (the depth check, the queue read, counting a delivery, the
/// completion) uses cached statements of fixed SQL, prepared once on the connection (GRDB documentation, "Prepared
/// Statements": `cachedStatement(sql:)`).
extension SQLiteHubStore {
    public func enqueue(_ message: C2DMessage, hub: String, device: String) throws(HubStoreError) -> Int64 {
        try self.write("queue a C2D message for \(hub)/\(device)") { db in
            try C2DRow(message, hub: hub, device: device).insert(db)
            return db.lastInsertedRowID
        }
    }

    public func queueDepth(hub: String, device: String) throws(HubStoreError) -> Int {
        try self.read("count the C2D queue of \(hub)/\(device)") { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM c2d WHERE hub = ? AND device = ?"), arguments: [hub, device]) ?? 0
        }
    }

    public func queued(hub: String, device: String) throws(HubStoreError) -> [C2DMessage] {
        let rows = try self.read("read the C2D queue of \(hub)/\(device)") { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM c2d WHERE hub = ? AND device = ? ORDER BY sequence"), arguments: [hub, device])
        }
        return try Self.models(C2DRow.self, of: rows)
    }

    public func markDelivered(sequence: Int64) throws(HubStoreError) -> C2DMessage? {
        // One write: the writer connection runs one writer at a time, so a completion (or a second delivery) cannot
        // come between the read and the update.
        try self.write("count a delivery of C2D message \(sequence)") { db -> C2DMessage? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM c2d WHERE sequence = ?"), arguments: [sequence]) else {
                return nil  // completed or purged meanwhile: not delivered now
            }
            var message = try C2DRow.model(of: row)
            message.deliveryCount += 1
            try db.cachedStatement(sql: "UPDATE c2d SET deliveryCount = ? WHERE sequence = ?").execute(arguments: [message.deliveryCount, sequence])
            return message
        }
    }

    public func removeMessage(sequence: Int64) throws(HubStoreError) {
        try self.write("complete C2D message \(sequence)") { db in
            try db.cachedStatement(sql: "DELETE FROM c2d WHERE sequence = ?").execute(arguments: [sequence])
        }
    }

    public func purgeMessages(hub: String, device: String) throws(HubStoreError) -> Int {
        try self.write("purge the C2D queue of \(hub)/\(device)") {
            try C2DRow.filter(Column("hub") == hub && Column("device") == device).deleteAll($0)
        }
    }
}
