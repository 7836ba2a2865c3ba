import Foundation
import GRDB
import Logging
import Secrets

#if canImport(Glibc)
import Glibc
#endif

/// The emulator's durable state in SQLite (GRDB): hubs, devices with their twins, C2D queues, CA certificates,
/// persistent MQTT sessions and the DPS records, one typed table each (``HubSchema``; the row types in `Rows/` map
/// the tables to the model types). WAL with
/// `synchronous = FULL`: a change is on disk when the call returns (SQLite documentation, "PRAGMA synchronous").
/// Writers that come together share a commit (``GroupCommit``); reads run on reader connections of their own (a GRDB
/// `DatabasePool`) and see committed changes only.
///
/// Calls block on disk I/O: the hub's parts make them from a thread pool, never from an event loop.
public final class SQLiteHubStore: HubStore {
    let queue: DatabasePool
    let path: String
    let group = GroupCommit()

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
        // A DatabasePool puts the database in WAL mode itself (GRDB documentation, "Database Pools").
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        // Group commit leaves a transaction open on the writer between two writers (readers are unaffected).
        configuration.allowsUnsafeTransactions = true
        do {
            self.queue = try DatabasePool(path: path, configuration: configuration)
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

    /// `operation` names what failed in the error; it is made only then.
    func read<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws(HubStoreError) -> T {
        do {
            return try self.queue.read(body)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .failed(operation: operation(), reason: "\(error)")
        }
    }

    /// Runs `body` in a write transaction, shared with the writers that come meanwhile, and returns once it is
    /// committed (and synced, `synchronous = FULL`); `body`'s changes are undone when it throws.
    func write<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws(HubStoreError) -> T {
        do {
            return try self.group.write(self.queue, body)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .failed(operation: operation(), reason: "\(error)")
        }
    }

    /// The models of the rows `request` selects; a row that does not decode is an error naming its table and key.
    func models<R: StoredRow>(_ operation: @autoclosure () -> String, _ request: QueryInterfaceRequest<R>) throws(HubStoreError) -> [R.Model] {
        let rows = try self.read(operation()) { try Row.fetchAll($0, request) }
        return try Self.models(R.self, of: rows)
    }

    /// The models of `rows`, each decoded as `R`.
    static func models<R: StoredRow>(_ type: R.Type, of rows: [Row]) throws(HubStoreError) -> [R.Model] {
        var models: [R.Model] = []
        models.reserveCapacity(rows.count)
        for row in rows { models.append(try R.model(of: row)) }
        return models
    }

    // MARK: Hubs

    public func hubs() throws(HubStoreError) -> [HubRecord] {
        try self.models("read the hubs", HubRow.order(Column("name")))
    }

    public func save(_ hub: HubRecord) throws(HubStoreError) {
        try self.write("save hub \(hub.name)") { try HubRow(hub).insert($0, onConflict: .replace) }
    }

    // MARK: Devices

    public func devices(hub: String) throws(HubStoreError) -> [DeviceRecord] {
        try self.models("read the devices of \(hub)", DeviceRow.filter(Column("hub") == hub).order(Column("id")))
    }

    public func save(_ device: DeviceRecord, hub: String) throws(HubStoreError) {
        // A twin change saves its device on every PATCH: one cached upsert statement with the row's values bound
        // directly (GRDB's record `insert` encodes the row through Codable and builds its SQL each time).
        let row = DeviceRow(device, hub: hub)
        try self.write("save device \(hub)/\(device.deviceID)") { db in
            try db.cachedStatement(sql: DeviceRow.upsertSQL).execute(arguments: StatementArguments(row.columnValues))
        }
    }

    public func deleteDevice(_ id: String, hub: String) throws(HubStoreError) {
        try self.write("delete device \(hub)/\(id)") { db in
            _ = try DeviceRow.deleteOne(db, key: ["hub": hub, "id": id])
            _ = try C2DRow.filter(Column("hub") == hub && Column("device") == id).deleteAll(db)
            _ = try SessionRow.deleteOne(db, key: ["hub": hub, "client": id])
        }
    }

    // MARK: CA certificates

    public func certificates(hub: String) throws(HubStoreError) -> [CACertificateRecord] {
        try self.models("read the CA certificates of \(hub)", CertificateRow.filter(Column("hub") == hub).order(Column("name")))
    }

    public func save(_ certificate: CACertificateRecord, hub: String) throws(HubStoreError) {
        try self.write("save CA certificate \(hub)/\(certificate.name)") {
            try CertificateRow(certificate, hub: hub).insert($0, onConflict: .replace)
        }
    }

    public func deleteCertificate(_ name: String, hub: String) throws(HubStoreError) {
        try self.write("delete CA certificate \(hub)/\(name)") { _ = try CertificateRow.deleteOne($0, key: ["hub": hub, "name": name]) }
    }

    // MARK: Persistent sessions

    public func session(hub: String, client: String) throws(HubStoreError) -> [String]? {
        let row = try self.read("read the session of \(hub)/\(client)") {
            try Row.fetchOne($0, SessionRow.filter(key: ["hub": hub, "client": client]))
        }
        guard let row else { return nil }
        return try SessionRow.model(of: row)
    }

    public func saveSession(hub: String, client: String, subscriptions: [String]) throws(HubStoreError) {
        try self.write("save the session of \(hub)/\(client)") {
            try SessionRow(hub: hub, client: client, subscriptions: subscriptions).insert($0, onConflict: .replace)
        }
    }

    public func deleteSession(hub: String, client: String) throws(HubStoreError) {
        try self.write("delete the session of \(hub)/\(client)") { _ = try SessionRow.deleteOne($0, key: ["hub": hub, "client": client]) }
    }
}
