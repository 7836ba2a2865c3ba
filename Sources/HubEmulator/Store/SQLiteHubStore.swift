import Foundation
import GRDB
import JSON
import Logging
import Secrets

#if canImport(Glibc)
import Glibc
#endif

/// The emulator's durable state in SQLite (GRDB): hubs, devices with their twins, C2D queues, CA certificates,
/// persistent MQTT sessions and the DPS documents, in the schema ``HubSchema`` migrates to. WAL with
/// `synchronous = FULL`: a change is on disk when the call returns (SQLite documentation, "PRAGMA synchronous").
///
/// Calls block on disk I/O: the hub's parts make them from a thread pool, never from an event loop.
public final class SQLiteHubStore: HubStore {
    let queue: DatabaseQueue
    let path: String

    /// Opens (or creates) the database at `path` and migrates it. A new database file is made mode 0600 before
    /// SQLite opens it, so that its `-wal` and `-shm` files, which SQLite creates with the database's mode, are
    /// private too.
    public init(path: String, logger: Logger? = nil) throws(HubStoreError) {
        self.path = path
        if let warning = DurableFile.loosePermissionsWarning(path) { logger?.warning("\(warning)") }
        try Self.createPrivately(path)
        // SQLite makes the -wal and -shm files beside the database; say so plainly when it cannot, rather than
        // SQLite's "unable to open database file".
        let directory = (path as NSString).deletingLastPathComponent
        guard access(directory.isEmpty ? "." : directory, W_OK) == 0 else {
            throw .cannotOpen(path: path, reason: "its directory is not writable: \(String(cString: strerror(errno)))")
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            self.queue = try DatabaseQueue(path: path, configuration: configuration)
            let migrator = HubSchema.migrator
            if try self.queue.read({ try migrator.hasBeenSuperseded($0) }) {
                throw HubStoreError.cannotOpen(
                    path: path, reason: "it was written by a newer nrfsim (schema after \(HubSchema.versions.last ?? "?"))")
            }
            try migrator.migrate(self.queue)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    private static func createPrivately(_ path: String) throws(HubStoreError) {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, DurableFile.privateMode)
        guard descriptor >= 0 || errno == EEXIST else {
            throw .cannotOpen(path: path, reason: "create: \(String(cString: strerror(errno)))")
        }
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        guard fchmod(descriptor, DurableFile.privateMode) == 0 else {
            throw .cannotOpen(path: path, reason: "fchmod: \(String(cString: strerror(errno)))")
        }
    }

    /// The applied migrations, oldest first.
    public func appliedMigrations() throws(HubStoreError) -> [String] {
        try self.read("read its schema version") { try HubSchema.migrator.appliedMigrations($0) }
    }

    // MARK: Access with typed errors

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(HubStoreError) -> T {
        do {
            return try self.queue.read(body)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .failed(operation: operation, reason: "\(error)")
        }
    }

    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(HubStoreError) -> T {
        do {
            return try self.queue.write(body)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .failed(operation: operation, reason: "\(error)")
        }
    }

    /// Decodes one stored JSON document; a row that does not decode is an error naming its table and key.
    func decode<T>(_ text: String, table: String, key: String, _ make: (JSONValue) -> T?) throws(HubStoreError) -> T {
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            throw .corruptRow(table: table, key: key, reason: "\(error)")
        }
        guard let value = make(json) else { throw .corruptRow(table: table, key: key, reason: "a field is missing or malformed") }
        return value
    }

    /// The rows `sql` selects, each with its `record` JSON decoded by `make`; `key` names a row in an error.
    func records<T>(
        _ operation: String, table: String, sql: String, arguments: StatementArguments = StatementArguments(),
        key: (Row) -> String, _ make: (Row, JSONValue) -> T?
    ) throws(HubStoreError) -> [T] {
        let rows = try self.read(operation) { try Row.fetchAll($0, sql: sql, arguments: arguments) }
        var values: [T] = []
        for row in rows {
            values.append(try self.decode(row["record"], table: table, key: key(row)) { make(row, $0) })
        }
        return values
    }

    // MARK: Hubs

    public func hubs() throws(HubStoreError) -> [HubRecord] {
        try self.records("read the hubs", table: "hub", sql: "SELECT name, record FROM hub ORDER BY name", key: { $0["name"] }) {
            HubRecord(json: $1)
        }
    }

    public func save(_ hub: HubRecord) throws(HubStoreError) {
        try self.write("save hub \(hub.name)") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO hub (name, record) VALUES (?, ?)", arguments: [hub.name, hub.json.text])
        }
    }

    // MARK: Devices

    public func devices(hub: String) throws(HubStoreError) -> [DeviceRecord] {
        try self.records(
            "read the devices of \(hub)", table: "device", sql: "SELECT id, record FROM device WHERE hub = ? ORDER BY id",
            arguments: [hub], key: { "\(hub)/\($0["id"] as String)" }
        ) { DeviceRecord(json: $1) }
    }

    public func save(_ device: DeviceRecord, hub: String) throws(HubStoreError) {
        try self.write("save device \(hub)/\(device.deviceID)") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO device (hub, id, record) VALUES (?, ?, ?)",
                arguments: [hub, device.deviceID, device.json.text])
        }
    }

    public func deleteDevice(_ id: String, hub: String) throws(HubStoreError) {
        try self.write("delete device \(hub)/\(id)") { db in
            try db.execute(sql: "DELETE FROM device WHERE hub = ? AND id = ?", arguments: [hub, id])
            try db.execute(sql: "DELETE FROM c2d WHERE hub = ? AND device = ?", arguments: [hub, id])
            try db.execute(sql: "DELETE FROM session WHERE hub = ? AND client = ?", arguments: [hub, id])
        }
    }

    // MARK: CA certificates

    public func certificates(hub: String) throws(HubStoreError) -> [CACertificateRecord] {
        try self.records(
            "read the CA certificates of \(hub)", table: "certificate",
            sql: "SELECT name, record FROM certificate WHERE hub = ? ORDER BY name", arguments: [hub],
            key: { "\(hub)/\($0["name"] as String)" }
        ) { CACertificateRecord(json: $1) }
    }

    public func save(_ certificate: CACertificateRecord, hub: String) throws(HubStoreError) {
        try self.write("save CA certificate \(hub)/\(certificate.name)") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO certificate (hub, name, record) VALUES (?, ?, ?)",
                arguments: [hub, certificate.name, certificate.json.text])
        }
    }

    public func deleteCertificate(_ name: String, hub: String) throws(HubStoreError) {
        try self.write("delete CA certificate \(hub)/\(name)") { db in
            try db.execute(sql: "DELETE FROM certificate WHERE hub = ? AND name = ?", arguments: [hub, name])
        }
    }

    // MARK: Persistent sessions

    public func session(hub: String, client: String) throws(HubStoreError) -> [String]? {
        let text = try self.read("read the session of \(hub)/\(client)") {
            try String.fetchOne($0, sql: "SELECT subscriptions FROM session WHERE hub = ? AND client = ?", arguments: [hub, client])
        }
        guard let text else { return nil }
        return try self.decode(text, table: "session", key: "\(hub)/\(client)") { json -> [String]? in
            guard case .array(let items) = json else { return nil }
            let filters = items.compactMap(\.stringValue)
            return filters.count == items.count ? filters : nil
        }
    }

    public func saveSession(hub: String, client: String, subscriptions: [String]) throws(HubStoreError) {
        try self.write("save the session of \(hub)/\(client)") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO session (hub, client, subscriptions) VALUES (?, ?, ?)",
                arguments: [hub, client, JSONValue.array(subscriptions.map(JSONValue.string)).text])
        }
    }

    public func deleteSession(hub: String, client: String) throws(HubStoreError) {
        try self.write("delete the session of \(hub)/\(client)") { db in
            try db.execute(sql: "DELETE FROM session WHERE hub = ? AND client = ?", arguments: [hub, client])
        }
    }
}
