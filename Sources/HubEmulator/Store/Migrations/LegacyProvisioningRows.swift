import GRDB
import JSON

/// The `v3-typed-records` copy of the v2 `dps` table (one row per document, keyed by kind, DPS name and key) into
/// `dpsInstance`, `dpsCertificate`, `dpsEnrollment`, `dpsRegistration` and `dpsOperation`, with the v2 reader's
/// defaults. SQL and JSON only: see ``TypedRecordsMigration``.
enum LegacyProvisioningRows {
    static func copy(_ db: Database) throws {
        try TypedRecordsMigration.copyRows(
            db, table: "dps", sql: "SELECT kind, dps, key, record FROM v2_dps ORDER BY kind, dps, key",
            key: { "\(keyText($0, "kind"))/\(keyText($0, "dps"))/\(keyText($0, "key"))" }
        ) { row in
            let dps = try legacyText(row, "dps")
            let key = try legacyText(row, "key")
            let document = try LegacyDocument(try legacyText(row, "record"))
            switch try legacyText(row, "kind") {
            case "instance": try Self.copyInstance(document, dps: dps, key: key, db)
            case "certificate":
                try db.execute(
                    sql: "INSERT INTO dpsCertificate (dps, \(certificateColumnNames)) VALUES (?, \(certificatePlaceholders))",
                    arguments: StatementArguments([dps] + (try certificateColumns(document, name: key))))
            case "enrollmentGroup": try Self.copyEnrollment(document, kind: "group", dps: dps, key: key, db)
            case "enrollment": try Self.copyEnrollment(document, kind: "individual", dps: dps, key: key, db)
            case "registration":
                try db.execute(
                    sql: "INSERT INTO dpsRegistration (dps, registrationId, state, enrollmentGroupId, etagCounter) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        dps, key, JSONValue.object(try document.object("state")).text, try document.optionalString("enrollmentGroupId"),
                        try document.int("etagCounter", default: 1),
                    ])
            case "operation": try Self.copyOperation(document, dps: dps, key: key, db)
            case let kind: throw LegacyFieldError(reason: "the kind '\(kind)' is not a DPS document kind")
            }
        }
    }

    /// `{"name", "idScope", "hostname", "created", "linkedHubs": [{"hubName", "hostname", "allocationWeight",
    /// "applyAllocationPolicy"}]}`.
    private static func copyInstance(_ instance: LegacyDocument, dps: String, key: String, _ db: Database) throws {
        try instance.check("name", is: key)
        guard dps == key else { throw LegacyFieldError(reason: "an instance's key '\(key)' is not its DPS '\(dps)'") }
        var linked: [JSONValue] = []
        for (index, item) in try instance.array("linkedHubs").enumerated() {
            guard case .object(let object) = item else { throw LegacyFieldError(reason: "linkedHubs[\(index)] is not a JSON object") }
            let hub = LegacyDocument(object)
            linked.append(.object(JSONObject([
                ("hubName", .string(try hub.string("hubName"))), ("hostname", .string(try hub.string("hostname"))),
                ("allocationWeight", try hub.optionalInt("allocationWeight").map { .integer(Int64($0)) } ?? .null),
                ("applyAllocationPolicy", .bool(try hub.bool("applyAllocationPolicy", default: true))),
            ])))
        }
        try db.execute(
            sql: "INSERT INTO dpsInstance (name, idScope, hostname, created, linkedHubs) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                key, try instance.string("idScope"), try instance.string("hostname"), try instance.string("created", default: ""),
                JSONValue.array(linked).text,
            ])
    }

    /// `{"document": {…}, "certificates": [PEM, …], "etagCounter"}`.
    private static func copyEnrollment(_ enrollment: LegacyDocument, kind: String, dps: String, key: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO dpsEnrollment (dps, kind, id, document, certificates, etagCounter) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                dps, kind, key, JSONValue.object(try enrollment.object("document")).text,
                JSONValue.array(try enrollment.strings("certificates").map(JSONValue.string)).text, try enrollment.int("etagCounter", default: 1),
            ])
    }

    /// `{"operationId", "registrationId", "enrollmentKind", "enrollmentId", "payload", "readyAt", "leafThumbprint",
    /// "result"}`.
    private static func copyOperation(_ operation: LegacyDocument, dps: String, key: String, _ db: Database) throws {
        try operation.check("operationId", is: key)
        let kind = try operation.string("enrollmentKind", default: "individual")
        guard kind == "group" || kind == "individual" else {
            throw LegacyFieldError(reason: "enrollmentKind '\(kind)' is not group or individual")
        }
        try db.execute(
            sql: """
                INSERT INTO dpsOperation (dps, operationId, registrationId, enrollmentKind, enrollmentId, payload, leafThumbprint, readyAt, result)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                dps, key, try operation.string("registrationId"), kind, try operation.string("enrollmentId"),
                (operation.value("payload") ?? .null).text, try operation.optionalString("leafThumbprint"), try operation.double("readyAt", default: 0),
                operation.value("result")?.text,
            ])
    }
}
