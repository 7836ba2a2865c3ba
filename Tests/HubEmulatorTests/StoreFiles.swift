import Foundation
import GRDB

@testable import HubEmulator

/// A database file in a temporary directory, made from a fixture, and ways to look at it without the store.
struct StoreFiles {
    let directory = NSTemporaryDirectory() + "nrfsim-store-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true) }

    var path: String { self.directory + "/hub.sqlite" }

    func remove() { try? FileManager.default.removeItem(atPath: self.directory) }

    /// `Fixtures/hub-schema-baseline.sqlite`: written by the emulator before the schema was versioned (JSON records,
    /// no `grdb_migrations`): hub `fixturehub` with devices `sas-device` (desired `telemetryInterval` 20, tag `site`,
    /// one queued C2D message "hello fixture" with `color=blue`) and `ca-device`, and DPS `fixturedps` with the
    /// individual enrollment `sym-enrollment`.
    func baseline() throws { try self.copy("hub-schema-baseline.sqlite") }

    /// `Fixtures/hub-schema-v2.sqlite`: written at schema v2 (`v1-baseline`, `v2-c2d-queue-index`) by the emulator
    /// before typed records, with a row of every kind; `hub-schema-v2.renderings.txt` holds what that emulator's API
    /// rendered from it (see ``StoreMigrationTests``).
    func v2() throws { try self.copy("hub-schema-v2.sqlite") }

    private func copy(_ fixture: String) throws {
        try FileManager.default.copyItem(atPath: Self.fixture(fixture), toPath: self.path)
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// Runs SQL on the file directly, as something other than the store would.
    func execute(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try DatabaseQueue(path: self.path).write { try $0.execute(sql: sql, arguments: arguments) }
    }

    /// Everything in the file: the schema's SQL and every row of every table, as text.
    func dump() throws -> [String] {
        try DatabaseQueue(path: self.path).read { db in
            var lines = try String.fetchAll(db, sql: "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name")
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid") {
                    lines.append("\(table) \(row.description)")
                }
            }
            return lines
        }
    }

    func tables() throws -> [String] {
        try DatabaseQueue(path: self.path).read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    func appliedMigrations() throws -> [String] {
        try DatabaseQueue(path: self.path).read { db in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }
}
