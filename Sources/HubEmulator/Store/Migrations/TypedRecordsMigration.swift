import GRDB

/// `v3-typed-records`: the v1/v2 tables, one JSON document per row (`record TEXT`), become typed tables: a column
/// per field, and JSON only for what is nested (twin sections, policies, C2D properties, subscriptions, DPS service
/// documents). Every row is converted; one that cannot be is ``HubStoreError/corruptRow(table:key:reason:)`` naming
/// its v2 table and key, and since GRDB runs a migration in one transaction, the database is left at v2 as it was.
///
/// A migration describes a past state of the database: it speaks SQL and reads the old documents with the JSON
/// parser, never through the row types, so that it need not change when they do (GRDB documentation, "Migrations",
/// "Good Practices for Defining Migrations"). The tables are STRICT, so that a column holds only its type (SQLite
/// documentation, "STRICT Tables"; SQLite 3.37 or later).
enum TypedRecordsMigration {
    static let identifier = "v3-typed-records"

    /// The v2 tables, renamed `v2_<name>` while their rows are copied.
    static let legacyTables = ["hub", "device", "certificate", "c2d", "session", "dps"]

    static let schema = """
        CREATE TABLE hub (
            name TEXT NOT NULL PRIMARY KEY,
            hostname TEXT NOT NULL,
            policies TEXT NOT NULL
        ) STRICT;
        CREATE TABLE device (
            hub TEXT NOT NULL,
            id TEXT NOT NULL,
            generationId TEXT NOT NULL,
            etagCounter INTEGER NOT NULL,
            enabled INTEGER NOT NULL,
            statusReason TEXT,
            authenticationType TEXT NOT NULL,
            primaryKey TEXT,
            secondaryKey TEXT,
            primaryThumbprint TEXT,
            secondaryThumbprint TEXT,
            statusUpdatedTime TEXT NOT NULL,
            lastActivityTime TEXT NOT NULL,
            tags TEXT NOT NULL,
            desired TEXT NOT NULL,
            reported TEXT NOT NULL,
            desiredMetadata TEXT NOT NULL,
            reportedMetadata TEXT NOT NULL,
            desiredVersion INTEGER NOT NULL,
            reportedVersion INTEGER NOT NULL,
            twinVersion INTEGER NOT NULL,
            PRIMARY KEY (hub, id)
        ) STRICT;
        CREATE TABLE certificate (
            hub TEXT NOT NULL,
            name TEXT NOT NULL,
            pem TEXT NOT NULL,
            verified INTEGER NOT NULL,
            verificationCode TEXT,
            etagCounter INTEGER NOT NULL,
            subject TEXT NOT NULL,
            thumbprint TEXT NOT NULL,
            expiry TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (hub, name)
        ) STRICT;
        CREATE TABLE c2d (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            hub TEXT NOT NULL,
            device TEXT NOT NULL,
            messageId TEXT NOT NULL,
            properties TEXT NOT NULL,
            body BLOB NOT NULL,
            expiresAt INTEGER NOT NULL,
            deliveryCount INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX c2d_queue ON c2d (hub, device, sequence);
        CREATE TABLE session (
            hub TEXT NOT NULL,
            client TEXT NOT NULL,
            subscriptions TEXT NOT NULL,
            PRIMARY KEY (hub, client)
        ) STRICT;
        CREATE TABLE dpsInstance (
            name TEXT NOT NULL PRIMARY KEY,
            idScope TEXT NOT NULL,
            hostname TEXT NOT NULL,
            created TEXT NOT NULL,
            linkedHubs TEXT NOT NULL
        ) STRICT;
        CREATE TABLE dpsCertificate (
            dps TEXT NOT NULL,
            name TEXT NOT NULL,
            pem TEXT NOT NULL,
            verified INTEGER NOT NULL,
            verificationCode TEXT,
            etagCounter INTEGER NOT NULL,
            subject TEXT NOT NULL,
            thumbprint TEXT NOT NULL,
            expiry TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (dps, name)
        ) STRICT;
        CREATE TABLE dpsEnrollment (
            dps TEXT NOT NULL,
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            document TEXT NOT NULL,
            certificates TEXT NOT NULL,
            etagCounter INTEGER NOT NULL,
            PRIMARY KEY (dps, kind, id)
        ) STRICT;
        CREATE TABLE dpsRegistration (
            dps TEXT NOT NULL,
            registrationId TEXT NOT NULL,
            state TEXT NOT NULL,
            enrollmentGroupId TEXT,
            etagCounter INTEGER NOT NULL,
            PRIMARY KEY (dps, registrationId)
        ) STRICT;
        CREATE TABLE dpsOperation (
            dps TEXT NOT NULL,
            operationId TEXT NOT NULL,
            registrationId TEXT NOT NULL,
            enrollmentKind TEXT NOT NULL,
            enrollmentId TEXT NOT NULL,
            payload TEXT NOT NULL,
            leafThumbprint TEXT,
            readyAt REAL NOT NULL,
            result TEXT,
            PRIMARY KEY (dps, operationId)
        ) STRICT;
        """

    static func migrate(_ db: Database) throws {
        // The v2 index would keep its name on the renamed table.
        try db.execute(sql: "DROP INDEX IF EXISTS c2d_queue")
        for table in Self.legacyTables {
            try db.execute(sql: "ALTER TABLE \(table) RENAME TO v2_\(table)")
        }
        try db.execute(sql: Self.schema)
        try LegacyHubRows.copy(db)
        try LegacyProvisioningRows.copy(db)
        try Self.keepC2DSequence(db)
        for table in Self.legacyTables {
            try db.execute(sql: "DROP TABLE v2_\(table)")
        }
    }

    /// A C2D sequence is never reused (AUTOINCREMENT keeps the highest in `sqlite_sequence`; SQLite documentation,
    /// "SQLite Autoincrement"): the new table continues from the highest the old one gave, even when that message is
    /// gone. `ALTER TABLE … RENAME` moved the old table's `sqlite_sequence` row to `v2_c2d`.
    private static func keepC2DSequence(_ db: Database) throws {
        guard let old = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'v2_c2d'") else { return }
        let copied = try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM c2d") ?? 0
        try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'c2d'")
        try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('c2d', ?)", arguments: [max(old, copied)])
    }

    /// Copies the rows `sql` selects: `convert` inserts one, or throws why it cannot; `key` names it in the error.
    static func copyRows(
        _ db: Database, table: String, sql: String, key: (Row) -> String, _ convert: (Row) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(db, sql: sql)
        while let row = try rows.next() {
            do {
                try convert(row)
            } catch let error as LegacyFieldError {
                throw HubStoreError.corruptRow(table: table, key: key(row), reason: error.reason)
            } catch let error as DatabaseError {
                throw HubStoreError.corruptRow(table: table, key: key(row), reason: error.message ?? "\(error.resultCode)")
            }
        }
    }
}
