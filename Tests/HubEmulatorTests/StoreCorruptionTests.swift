import Foundation
import GRDB
import JSON
import Logging
import Testing

@testable import HubEmulator

/// Rows that cannot be read: in the typed tables, an error naming the table and key, the other rows kept; in a v2
/// table being migrated, the migration refused and the database left as it was.
@Suite("The hub's store: damaged rows")
struct StoreCorruptionTests {
    /// A damaged v2 row: the SQL that damages it, and the table and key the error must name.
    struct LegacyDamage: CustomTestStringConvertible, Sendable {
        var sql: String
        var table: String
        var key: String
        var reason: String
        var testDescription: String { "\(self.table) \(self.key): \(self.reason)" }
    }

    static let legacyDamages = [
        LegacyDamage(sql: #"UPDATE device SET record = '{"deviceId": "self-dev"' WHERE id = 'self-dev'"#, table: "device", key: "hub1/self-dev", reason: "malformed JSON"),
        LegacyDamage(
            sql: #"UPDATE device SET record = json_set(record, '$.authentication.type', 'password') WHERE id = 'sas-dev'"#, table: "device",
            key: "hub1/sas-dev", reason: "authentication.type 'password'"),
        LegacyDamage(sql: #"UPDATE device SET record = json_set(record, '$.twin.desired', json('[1]')) WHERE id = 'ca-dev'"#, table: "device", key: "hub2/ca-dev", reason: "desired is not a JSON object"),
        LegacyDamage(sql: #"UPDATE hub SET record = json_remove(record, '$.hostname') WHERE name = 'hub2'"#, table: "hub", key: "hub2", reason: "no hostname"),
        LegacyDamage(sql: #"UPDATE certificate SET record = json_set(record, '$.verified', 'yes') WHERE name = 'hub-sub'"#, table: "certificate", key: "hub1/hub-sub", reason: "verified is not true or false"),
        LegacyDamage(sql: #"UPDATE c2d SET record = json_set(record, '$.body', '%%%') WHERE sequence = 2"#, table: "c2d", key: "2", reason: "body is not base64"),
        LegacyDamage(sql: #"UPDATE c2d SET record = json_set(record, '$.properties[0]', json('["color"]')) WHERE sequence = 1"#, table: "c2d", key: "1", reason: "properties[0]"),
        LegacyDamage(sql: #"UPDATE session SET subscriptions = '{"a": 1}'"#, table: "session", key: "hub1/self-dev", reason: "not a JSON array"),
        LegacyDamage(sql: #"UPDATE dps SET kind = 'enrolment' WHERE key = 'sym-group'"#, table: "dps", key: "enrolment/dps1/sym-group", reason: "not a DPS document kind"),
        LegacyDamage(
            sql: #"UPDATE dps SET record = json_set(record, '$.certificates[0]', 7) WHERE kind = 'enrollmentGroup' AND key = 'x509-group'"#,
            table: "dps", key: "enrollmentGroup/dps1/x509-group", reason: "certificates[0] is not a string"),
        LegacyDamage(sql: #"UPDATE dps SET record = json_remove(record, '$.state') WHERE kind = 'registration'"#, table: "dps", key: "registration/dps1/grouped-dev", reason: "no state"),
        LegacyDamage(
            sql: #"UPDATE dps SET record = json_set(record, '$.linkedHubs[1].hubName', null) WHERE kind = 'instance' AND key = 'dps1'"#,
            table: "dps", key: "instance/dps1/dps1", reason: "no hubName"),
    ]

    @Test("a v2 row that cannot be converted refuses the migration, names its table and key, and leaves the database as it was", arguments: Self.legacyDamages)
    func legacyRowRefused(_ damage: LegacyDamage) throws {
        let files = try StoreFiles()
        defer { files.remove() }
        try files.v2()
        try files.execute(damage.sql)
        let before = try files.dump()
        let error = try #require(throws: HubStoreError.self) { try SQLiteHubStore(path: files.path) }
        guard case .corruptRow(let table, let key, let reason) = error else {
            Issue.record("not a corrupt row: \(error)")
            return
        }
        #expect(table == damage.table && key == damage.key)
        #expect(reason.contains(damage.reason), "\(reason)")
        // The migration's transaction rolled back: the same schema, the same rows, still at v2.
        #expect(try files.dump() == before)
        #expect(try files.appliedMigrations() == ["v1-baseline", "v2-c2d-queue-index"])
    }

    @Test("a damaged baseline row: the unversioned database is brought to v2, the v3 step refused, every row kept")
    func baselineRowRefused() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        try files.baseline()
        try files.execute(#"UPDATE device SET record = '{"deviceId": 1' WHERE id = 'sas-device'"#)
        let rows = try files.dump().filter { !$0.hasPrefix("table ") && !$0.hasPrefix("index ") }
        let error = try #require(throws: HubStoreError.self) { try SQLiteHubStore(path: files.path) }
        #expect("\(error)".hasPrefix("the device row fixturehub/sas-device cannot be read: malformed JSON"))
        #expect(try files.appliedMigrations() == ["v1-baseline", "v2-c2d-queue-index"])
        #expect(try files.tables() == ["c2d", "certificate", "device", "dps", "grdb_migrations", "hub", "session"])
        let after = try files.dump().filter { !$0.hasPrefix("table ") && !$0.hasPrefix("index ") && !$0.hasPrefix("grdb_migrations ") }
        #expect(after == rows)
    }

    /// A migrated v2 database.
    private func migrated() throws -> StoreFiles {
        let files = try StoreFiles()
        try files.v2()
        _ = try SQLiteHubStore(path: files.path)
        return files
    }

    @Test("a typed row whose JSON column does not parse is an error naming the table, key and column; the other rows stay readable")
    func typedJSONColumn() throws {
        let files = try self.migrated()
        defer { files.remove() }
        try files.execute(#"UPDATE device SET desired = '{"telemetryInterval": ' WHERE hub = 'hub1' AND id = 'self-dev'"#)
        let store = try SQLiteHubStore(path: files.path)
        let error = try #require(throws: HubStoreError.self) { try store.devices(hub: "hub1") }
        #expect("\(error)".hasPrefix("the device row hub1/self-dev cannot be read: column desired: malformed JSON"), "\(error)")
        #expect(throws: HubStoreError.self) { try HubCore(store: store, logger: Logger(label: "test")) }
        // Nothing else is lost: the other hub's devices, the queue, and the row itself, which reads again once repaired.
        #expect(try store.devices(hub: "hub2").map(\.deviceID) == ["ca-dev"])
        #expect(try store.queued(hub: "hub1", device: "self-dev").count == 2)
        try files.execute(#"UPDATE device SET desired = '{"telemetryInterval": 30}' WHERE hub = 'hub1' AND id = 'self-dev'"#)
        #expect(try store.devices(hub: "hub1").map(\.deviceID) == ["grouped-dev", "sas-dev", "self-dev"])
    }

    /// A damaged typed row: the SQL, what reads it, and the message's start.
    struct TypedDamage: CustomTestStringConvertible, Sendable {
        var sql: String
        var message: String
        var testDescription: String { self.message }
    }

    static let typedDamages = [
        TypedDamage(sql: "UPDATE device SET authenticationType = 'password' WHERE id = 'sas-dev'", message: "the device row hub1/sas-dev cannot be read: column authenticationType: 'password'"),
        TypedDamage(sql: "UPDATE device SET primaryKey = NULL WHERE id = 'sas-dev'", message: "the device row hub1/sas-dev cannot be read: column primaryKey: a sas device needs"),
        TypedDamage(sql: "UPDATE device SET tags = '[1]' WHERE id = 'sas-dev'", message: "the device row hub1/sas-dev cannot be read: column tags: not a JSON object"),
        TypedDamage(sql: #"UPDATE hub SET policies = '{"device": {"primaryKey": "k"}}' WHERE name = 'hub2'"#, message: "the hub row hub2 cannot be read: in a JSON column at device: no secondaryKey"),
        TypedDamage(sql: #"UPDATE c2d SET properties = '[["color"]]' WHERE sequence = 1"#, message: "the c2d row 1 cannot be read: in a JSON column at Index 0: a property is a [key, value] pair"),
        TypedDamage(sql: "UPDATE session SET subscriptions = '7'", message: "the session row hub1/self-dev cannot be read: "),
        TypedDamage(sql: "UPDATE dpsEnrollment SET kind = 'crowd' WHERE id = 'sym-group'", message: "the dpsEnrollment row dps1/crowd/sym-group cannot be read: column kind: 'crowd'"),
        TypedDamage(sql: "UPDATE dpsOperation SET payload = 'nul' WHERE registrationId = 'Dev-Individual'", message: "the dpsOperation row dps1/4."),
        TypedDamage(sql: "UPDATE dpsRegistration SET state = '\"assigned\"'", message: "the dpsRegistration row dps1/grouped-dev cannot be read: column state: not a JSON object"),
        TypedDamage(sql: "UPDATE dpsInstance SET linkedHubs = '[{}]' WHERE name = 'dps1'", message: "the dpsInstance row dps1 cannot be read: in a JSON column at Index 0: no hubName"),
        TypedDamage(sql: "UPDATE dpsCertificate SET pem = 'not PEM' WHERE name = 'root'", message: "the dpsCertificate row dps1/root cannot be read: the certificate is not PEM"),
        TypedDamage(sql: "UPDATE dpsEnrollment SET certificates = '[\"not PEM\"]' WHERE id = 'x509-group'", message: "the dpsEnrollment row dps1/group/x509-group cannot be read: certificate 0 is not PEM"),
    ]

    @Test("a typed row the model cannot take is an error naming the table and key: the hub and DPS do not start without it", arguments: Self.typedDamages)
    func typedRowRefused(_ damage: TypedDamage) throws {
        let files = try self.migrated()
        defer { files.remove() }
        try files.execute(damage.sql)
        let store = try SQLiteHubStore(path: files.path)
        let error = try #require(throws: HubStoreError.self) {
            let hubs = try HubCore(store: store, logger: Logger(label: "test"))
            _ = try ProvisioningService(hubCore: hubs, store: store, logger: Logger(label: "test"))
            _ = try store.session(hub: "hub1", client: "self-dev")
            _ = try store.queued(hub: "hub1", device: "self-dev")
        }
        #expect("\(error)".hasPrefix(damage.message), "\(error)")
    }

    @Test("the typed tables are STRICT: a value of the wrong type is refused when written")
    func strictColumns() throws {
        let files = try self.migrated()
        defer { files.remove() }
        #expect(throws: DatabaseError.self) { try files.execute("UPDATE device SET etagCounter = 'many' WHERE id = 'sas-dev'") }
        #expect(throws: DatabaseError.self) { try files.execute("UPDATE c2d SET body = NULL WHERE sequence = 1") }
    }
}
