import Foundation
import GRDB
import JSON

/// The `v3-typed-records` copy of the hub's v2 tables (`v2_hub`, `v2_device`, `v2_certificate`, `v2_c2d`,
/// `v2_session`), with the v2 reader's defaults. SQL and JSON only: see ``TypedRecordsMigration``.
enum LegacyHubRows {
    static func copy(_ db: Database) throws {
        try TypedRecordsMigration.copyRows(db, table: "hub", sql: "SELECT name, record FROM v2_hub ORDER BY name", key: { keyText($0, "name") }) {
            try Self.copyHub($0, db)
        }
        try TypedRecordsMigration.copyRows(
            db, table: "device", sql: "SELECT hub, id, record FROM v2_device ORDER BY hub, id", key: { "\(keyText($0, "hub"))/\(keyText($0, "id"))" }
        ) { try Self.copyDevice($0, db) }
        try TypedRecordsMigration.copyRows(
            db, table: "certificate", sql: "SELECT hub, name, record FROM v2_certificate ORDER BY hub, name",
            key: { "\(keyText($0, "hub"))/\(keyText($0, "name"))" }
        ) { row in
            let columns = try certificateColumns(try LegacyDocument(try legacyText(row, "record")), name: try legacyText(row, "name"))
            try db.execute(
                sql: "INSERT INTO certificate (hub, \(certificateColumnNames)) VALUES (?, \(certificatePlaceholders))",
                arguments: StatementArguments([try legacyText(row, "hub")] + columns))
        }
        try TypedRecordsMigration.copyRows(
            db, table: "c2d", sql: "SELECT sequence, hub, device, record FROM v2_c2d ORDER BY sequence", key: { keyText($0, "sequence") }
        ) { try Self.copyMessage($0, db) }
        try TypedRecordsMigration.copyRows(
            db, table: "session", sql: "SELECT hub, client, subscriptions FROM v2_session ORDER BY hub, client",
            key: { "\(keyText($0, "hub"))/\(keyText($0, "client"))" }
        ) { row in
            guard case .array(let items) = try parse(try legacyText(row, "subscriptions")), items.allSatisfy({ $0.stringValue != nil }) else {
                throw LegacyFieldError(reason: "subscriptions is not a JSON array of topic filters")
            }
            let filters = items
            try db.execute(
                sql: "INSERT INTO session (hub, client, subscriptions) VALUES (?, ?, ?)",
                arguments: [try legacyText(row, "hub"), try legacyText(row, "client"), JSONValue.array(filters).text])
        }
    }

    /// `{"name", "hostname", "policies": {policy: {"primaryKey", "secondaryKey"}}}`.
    private static func copyHub(_ row: Row, _ db: Database) throws {
        let name = try legacyText(row, "name")
        let hub = try LegacyDocument(try legacyText(row, "record"))
        try hub.check("name", is: name)
        var policies = JSONObject()
        for (policy, value) in try hub.object("policies").members {
            guard case .object(let keys) = value else { throw LegacyFieldError(reason: "policies.\(policy) is not a JSON object") }
            let document = LegacyDocument(keys)
            policies[policy] = .object(JSONObject([
                ("primaryKey", .string(try document.string("primaryKey", default: ""))),
                ("secondaryKey", .string(try document.string("secondaryKey", default: ""))),
            ]))
        }
        try db.execute(
            sql: "INSERT INTO hub (name, hostname, policies) VALUES (?, ?, ?)",
            arguments: [name, try hub.string("hostname"), JSONValue.object(policies).text])
    }

    /// `{"deviceId", "generationId", "etagCounter", "enabled", "statusReason", "authentication": {"type",
    /// "symmetricKey"|"x509Thumbprint"}, "statusUpdatedTime", "lastActivityTime", "twin": {…}}`.
    private static func copyDevice(_ row: Row, _ db: Database) throws {
        let id = try legacyText(row, "id")
        let device = try LegacyDocument(try legacyText(row, "record"))
        try device.check("deviceId", is: id)
        guard let authentication = try device.document("authentication") else { throw LegacyFieldError(reason: "no authentication") }
        var keys: [String?] = [nil, nil, nil, nil]  // primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint
        let type = try authentication.string("type")
        switch type {
        case "sas":
            let symmetric = try authentication.document("symmetricKey") ?? LegacyDocument(JSONObject())
            keys[0] = try symmetric.string("primaryKey", default: "")
            keys[1] = try symmetric.string("secondaryKey", default: "")
        case "selfSigned":
            let thumbprints = try authentication.document("x509Thumbprint") ?? LegacyDocument(JSONObject())
            keys[2] = try thumbprints.optionalString("primaryThumbprint")
            keys[3] = try thumbprints.optionalString("secondaryThumbprint")
        case "certificateAuthority":
            break
        default:
            throw LegacyFieldError(reason: "authentication.type '\(type)' is not sas, selfSigned or certificateAuthority")
        }
        let twin = try device.document("twin") ?? LegacyDocument(JSONObject())
        var sections: [String] = []
        for section in ["tags", "desired", "reported", "desiredMetadata", "reportedMetadata"] {
            sections.append(JSONValue.object(try twin.optionalObject(section) ?? JSONObject()).text)
        }
        let never = "0001-01-01T00:00:00Z"
        let identity: [(any DatabaseValueConvertible)?] = [
            try legacyText(row, "hub"), id, try device.string("generationId"), try device.int("etagCounter", default: 1),
            try device.bool("enabled", default: true), try device.optionalString("statusReason"), type,
        ]
        let times: [(any DatabaseValueConvertible)?] = [
            try device.string("statusUpdatedTime", default: never), try device.string("lastActivityTime", default: never),
        ]
        let versions: [(any DatabaseValueConvertible)?] = [
            try twin.int("desiredVersion", default: 1), try twin.int("reportedVersion", default: 1), try twin.int("version", default: 1),
        ]
        try db.execute(
            sql: """
                INSERT INTO device (hub, id, generationId, etagCounter, enabled, statusReason, authenticationType,
                    primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint, statusUpdatedTime, lastActivityTime,
                    tags, desired, reported, desiredMetadata, reportedMetadata, desiredVersion, reportedVersion, twinVersion)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: StatementArguments(identity + keys + times + sections + versions))
    }

    /// `{"messageId", "properties": [[key, value|null], …], "body": base64, "expiresAt", "deliveryCount"}`.
    private static func copyMessage(_ row: Row, _ db: Database) throws {
        let message = try LegacyDocument(try legacyText(row, "record"))
        guard let body = Data(base64Encoded: try message.string("body")) else { throw LegacyFieldError(reason: "body is not base64") }
        var properties: [JSONValue] = []
        for (index, item) in try message.array("properties").enumerated() {
            guard case .array(let pair) = item, pair.count == 2, case .string = pair[0], pair[1] == .null || pair[1].stringValue != nil else {
                throw LegacyFieldError(reason: "properties[\(index)] is not a [key, value] pair of strings")
            }
            properties.append(item)
        }
        guard let sequence = Int64.fromDatabaseValue(row["sequence"] as DatabaseValue) else { throw LegacyFieldError(reason: "no sequence") }
        try db.execute(
            sql: """
                INSERT INTO c2d (sequence, hub, device, messageId, properties, body, expiresAt, deliveryCount)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, try legacyText(row, "hub"), try legacyText(row, "device"), try message.string("messageId"),
                JSONValue.array(properties).text, body, Int64(try message.int("expiresAt", default: 0)), try message.int("deliveryCount", default: 0),
            ])
    }
}

/// A CA certificate's columns after its owner (hub or DPS): `{"name", "pem", "verified", "verificationCode",
/// "etagCounter", "subject", "thumbprint", "expiry", "created", "updated"}`.
let certificateColumnNames = "name, pem, verified, verificationCode, etagCounter, subject, thumbprint, expiry, created, updated"
let certificatePlaceholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

func certificateColumns(_ certificate: LegacyDocument, name: String) throws(LegacyFieldError) -> [(any DatabaseValueConvertible)?] {
    try certificate.check("name", is: name)
    var columns: [(any DatabaseValueConvertible)?] = [
        name, try certificate.string("pem"), try certificate.bool("verified", default: false), try certificate.optionalString("verificationCode"),
        try certificate.int("etagCounter", default: 1),
    ]
    for field in ["subject", "thumbprint", "expiry", "created", "updated"] {
        columns.append(try certificate.string(field, default: ""))
    }
    return columns
}

/// A v2 text column (the row's key columns and its `record`).
func legacyText(_ row: Row, _ column: String) throws(LegacyFieldError) -> String {
    guard let text = String.fromDatabaseValue(row[column] as DatabaseValue) else { throw LegacyFieldError(reason: "\(column) is not text") }
    return text
}

/// A v2 JSON column that is not a document (`session.subscriptions`).
func parse(_ text: String) throws(LegacyFieldError) -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        throw LegacyFieldError(reason: "\(error)")
    }
}
