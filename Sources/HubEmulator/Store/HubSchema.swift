import GRDB

/// The store's versioned schema: GRDB's `DatabaseMigrator` records the migrations applied in `grdb_migrations`
/// (GRDB documentation, "Migrations"), so a database of any earlier version is brought up to date when opened, and
/// one from a newer nrfsim is refused. Each migration runs in a transaction of its own: one that fails leaves the
/// database at the version before it.
enum HubSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // The baseline: the tables as the first emulator made them, before migrations were tracked. `IF NOT EXISTS`
        // lets a database of that time (which has the tables but no grdb_migrations) take this step unchanged.
        migrator.registerMigration("v1-baseline") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS hub (name TEXT PRIMARY KEY, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS device (hub TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (hub, id));
                CREATE TABLE IF NOT EXISTS certificate (hub TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (hub, name));
                CREATE TABLE IF NOT EXISTS c2d (sequence INTEGER PRIMARY KEY AUTOINCREMENT, hub TEXT NOT NULL, device TEXT NOT NULL, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS session (hub TEXT NOT NULL, client TEXT NOT NULL, subscriptions TEXT NOT NULL, PRIMARY KEY (hub, client));
                CREATE TABLE IF NOT EXISTS dps (kind TEXT NOT NULL, dps TEXT NOT NULL, key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, dps, key));
                """)
        }
        // A device's queue is read on every delivery: index it by device, in order.
        migrator.registerMigration("v2-c2d-queue-index") { db in
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS c2d_queue ON c2d (hub, device, sequence)")
        }
        // Typed tables in place of the JSON documents (see TypedRecordsMigration).
        migrator.registerMigration(TypedRecordsMigration.identifier, migrate: TypedRecordsMigration.migrate)
        return migrator
    }

    /// The migrations this build knows, oldest first.
    static var versions: [String] { migrator.migrations }
}
