import Foundation
import GRDB
import JSON
import Logging
import Secrets

#if canImport(Glibc)
import Glibc
#endif

/// The hub database cannot be opened or written: names the file and SQLite's reason.
public struct HubStoreError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot open the hub database \(self.path): \(self.reason)" }
}

/// The emulator's durable state in SQLite (GRDB): hubs, devices with their twins, C2D queues, CA certificates and
/// persistent MQTT sessions, and the DPS instances' documents. Every change is committed before it is acknowledged.
public final class HubStore: Sendable {
    let queue: DatabaseQueue

    /// Opens (or creates) the database at `path`. A new database file is made mode 0600 before SQLite opens it, so
    /// that its `-wal` and `-shm` files, which SQLite creates with the database's mode, are private too.
    public init(path: String, logger: Logger? = nil) throws {
        if let warning = DurableFile.loosePermissionsWarning(path) { logger?.warning("\(warning)") }
        if !FileManager.default.fileExists(atPath: path) {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, DurableFile.privateMode)
            guard descriptor >= 0 || errno == EEXIST else {
                throw HubStoreError(path: path, reason: "create: \(String(cString: strerror(errno)))")
            }
            if descriptor >= 0 {
                defer { close(descriptor) }
                guard fchmod(descriptor, DurableFile.privateMode) == 0 else {
                    throw HubStoreError(path: path, reason: "fchmod: \(String(cString: strerror(errno)))")
                }
            }
        }
        // SQLite makes the -wal and -shm files beside the database; say so plainly when it cannot, rather than
        // SQLite's "unable to open database file".
        let directory = (path as NSString).deletingLastPathComponent
        guard access(directory.isEmpty ? "." : directory, W_OK) == 0 else {
            throw HubStoreError(path: path, reason: "its directory is not writable: \(String(cString: strerror(errno)))")
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            self.queue = try DatabaseQueue(path: path, configuration: configuration)
            try self.queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS hub (name TEXT PRIMARY KEY, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS device (hub TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (hub, id));
                CREATE TABLE IF NOT EXISTS certificate (hub TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (hub, name));
                CREATE TABLE IF NOT EXISTS c2d (sequence INTEGER PRIMARY KEY AUTOINCREMENT, hub TEXT NOT NULL, device TEXT NOT NULL, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS session (hub TEXT NOT NULL, client TEXT NOT NULL, subscriptions TEXT NOT NULL, PRIMARY KEY (hub, client));
                CREATE TABLE IF NOT EXISTS dps (kind TEXT NOT NULL, dps TEXT NOT NULL, key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, dps, key));
                """)
            }
        } catch {
            throw HubStoreError(path: path, reason: "\(error)")
        }
    }

    // MARK: Hubs

    public func hubs() throws -> [HubRecord] {
        try self.queue.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM hub ORDER BY name").compactMap { try? HubRecord(json: JSONValue.parse($0)) }
        }
    }

    public func save(_ hub: HubRecord) throws {
        try self.queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO hub (name, record) VALUES (?, ?)", arguments: [hub.name, hub.json.text])
        }
    }

    // MARK: Devices

    public func devices(hub: String) throws -> [DeviceRecord] {
        try self.queue.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM device WHERE hub = ? ORDER BY id", arguments: [hub])
                .compactMap { try? DeviceRecord(json: JSONValue.parse($0)) }
        }
    }

    public func save(_ device: DeviceRecord, hub: String) throws {
        try self.queue.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO device (hub, id, record) VALUES (?, ?, ?)",
                arguments: [hub, device.deviceID, device.json.text])
        }
    }

    public func deleteDevice(_ id: String, hub: String) throws {
        try self.queue.write { db in
            try db.execute(sql: "DELETE FROM device WHERE hub = ? AND id = ?", arguments: [hub, id])
            try db.execute(sql: "DELETE FROM c2d WHERE hub = ? AND device = ?", arguments: [hub, id])
            try db.execute(sql: "DELETE FROM session WHERE hub = ? AND client = ?", arguments: [hub, id])
        }
    }

    // MARK: CA certificates

    public func certificates(hub: String) throws -> [CACertificateRecord] {
        try self.queue.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM certificate WHERE hub = ? ORDER BY name", arguments: [hub])
                .compactMap { try? CACertificateRecord(json: JSONValue.parse($0)) }
        }
    }

    public func save(_ certificate: CACertificateRecord, hub: String) throws {
        try self.queue.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO certificate (hub, name, record) VALUES (?, ?, ?)",
                arguments: [hub, certificate.name, certificate.json.text])
        }
    }

    public func deleteCertificate(_ name: String, hub: String) throws {
        try self.queue.write { db in
            try db.execute(sql: "DELETE FROM certificate WHERE hub = ? AND name = ?", arguments: [hub, name])
        }
    }

    // MARK: Cloud-to-device queues

    public func enqueue(_ message: C2DMessage, hub: String, device: String) throws -> Int64 {
        try self.queue.write { db in
            try db.execute(sql: "INSERT INTO c2d (hub, device, record) VALUES (?, ?, ?)", arguments: [hub, device, message.json.text])
            return db.lastInsertedRowID
        }
    }

    public func queued(hub: String, device: String) throws -> [C2DMessage] {
        try self.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, record FROM c2d WHERE hub = ? AND device = ? ORDER BY sequence", arguments: [hub, device])
                .compactMap { row in
                    let sequence: Int64 = row["sequence"]
                    let record: String = row["record"]
                    return (try? JSONValue.parse(record)).flatMap { C2DMessage(sequence: sequence, json: $0) }
                }
        }
    }

    public func update(_ message: C2DMessage) throws {
        try self.queue.write { db in
            try db.execute(sql: "UPDATE c2d SET record = ? WHERE sequence = ?", arguments: [message.json.text, message.sequence])
        }
    }

    public func removeMessage(sequence: Int64) throws {
        try self.queue.write { db in
            try db.execute(sql: "DELETE FROM c2d WHERE sequence = ?", arguments: [sequence])
        }
    }

    public func purgeMessages(hub: String, device: String) throws -> Int {
        try self.queue.write { db in
            try db.execute(sql: "DELETE FROM c2d WHERE hub = ? AND device = ?", arguments: [hub, device])
            return db.changesCount
        }
    }

    // MARK: Sessions

    public func session(hub: String, client: String) throws -> [String]? {
        try self.queue.read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT subscriptions FROM session WHERE hub = ? AND client = ?", arguments: [hub, client])
            else { return nil }
            guard case .array(let items)? = try? JSONValue.parse(text) else { return [] }
            return items.compactMap(\.stringValue)
        }
    }

    public func saveSession(hub: String, client: String, subscriptions: [String]) throws {
        try self.queue.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO session (hub, client, subscriptions) VALUES (?, ?, ?)",
                arguments: [hub, client, JSONValue.array(subscriptions.map(JSONValue.string)).text])
        }
    }

    public func deleteSession(hub: String, client: String) throws {
        try self.queue.write { db in
            try db.execute(sql: "DELETE FROM session WHERE hub = ? AND client = ?", arguments: [hub, client])
        }
    }
}
