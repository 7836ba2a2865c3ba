import GRDB

/// Cloud-to-device queues.
extension SQLiteHubStore {
    public func enqueue(_ message: C2DMessage, hub: String, device: String) throws(HubStoreError) -> Int64 {
        try self.write("queue a C2D message for \(hub)/\(device)") { db in
            try C2DRow(message, hub: hub, device: device).insert(db)
            return db.lastInsertedRowID
        }
    }

    public func queued(hub: String, device: String) throws(HubStoreError) -> [C2DMessage] {
        try self.models(
            "read the C2D queue of \(hub)/\(device)", C2DRow.filter(Column("hub") == hub && Column("device") == device).order(Column("sequence")))
    }

    public func markDelivered(sequence: Int64) throws(HubStoreError) -> C2DMessage? {
        // One write transaction: GRDB's DatabaseQueue serializes writers, so a completion (or a second delivery)
        // cannot come between the read and the update.
        try self.write("count a delivery of C2D message \(sequence)") { db -> C2DMessage? in
            guard let row = try Row.fetchOne(db, C2DRow.filter(key: sequence)) else {
                return nil  // completed or purged meanwhile: not delivered now
            }
            var message = try C2DRow.model(of: row)
            message.deliveryCount += 1
            try C2DRow.filter(key: sequence).updateAll(db, Column("deliveryCount").set(to: message.deliveryCount))
            return message
        }
    }

    public func removeMessage(sequence: Int64) throws(HubStoreError) {
        try self.write("complete C2D message \(sequence)") { _ = try C2DRow.deleteOne($0, key: sequence) }
    }

    public func purgeMessages(hub: String, device: String) throws(HubStoreError) -> Int {
        try self.write("purge the C2D queue of \(hub)/\(device)") {
            try C2DRow.filter(Column("hub") == hub && Column("device") == device).deleteAll($0)
        }
    }
}
