import Foundation
import GRDB
import JSON
import Logging
import SwiftASN1
import Testing
import X509

@testable import HubEmulator

/// The schema's migrations: from nothing, from the unversioned baseline and from v2 (both written by the emulator
/// before typed records), and a database from a newer nrfsim.
@Suite("The hub's store: schema migrations")
struct StoreMigrationTests {
    static let typedTables = [
        "c2d", "certificate", "device", "dpsCertificate", "dpsEnrollment", "dpsInstance", "dpsOperation", "dpsRegistration", "grdb_migrations", "hub",
        "session",
    ]

    @Test("an empty database is migrated to every version this build knows: typed STRICT tables, no JSON record columns")
    func migratesEmpty() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        #expect(try store.appliedMigrations() == HubSchema.versions)
        #expect(HubSchema.versions.last == "v3-typed-records")
        #expect(try files.tables() == Self.typedTables)
        try DatabaseQueue(path: files.path).read { db in
            #expect(try db.columns(in: "device").map(\.name).contains("desired"))
            #expect(try !db.columns(in: "device").map(\.name).contains("record"))
            let strict = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_list WHERE strict = 1 ORDER BY name")
            #expect(strict == Self.typedTables.filter { $0 != "grdb_migrations" })
            #expect(try db.indexes(on: "c2d").map(\.name) == ["c2d_queue"])
        }
        #expect(try store.hubs().isEmpty && store.provisioningInstances().isEmpty)
    }

    @Test("the unversioned baseline is migrated: every hub, device, twin, C2D message and DPS document as it was")
    func migratesBaseline() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        try files.baseline()
        let store = try SQLiteHubStore(path: files.path)
        #expect(try store.appliedMigrations() == HubSchema.versions)
        #expect(try files.tables() == Self.typedTables)

        let hub = try #require(try store.hubs().first)
        #expect(try store.hubs().count == 1)
        #expect(hub.name == "fixturehub" && hub.hostname == "fixturehub.azure-devices.net")
        #expect(hub.policies.keys.sorted() == ["device", "iothubowner", "registryRead", "registryReadWrite", "service"])
        #expect(hub.policies["iothubowner"]?.primary == "M9+s1HJk6k6qR+i0HKdeC7UCap+tFIJ9WGeHzKa6adc=")
        #expect(hub.policies["service"]?.secondary == "tx82anCVQ0bDqUZcshrpxoEhbHjXSLGlS51IdftAyTA=")

        let devices = try store.devices(hub: "fixturehub")
        #expect(devices == [
            DeviceRecord(
                deviceID: "ca-device", generationID: "311210670281384663", authentication: .certificateAuthority,
                statusUpdatedTime: "2026-12-01T20:03:03.000Z"),
            DeviceRecord(
                deviceID: "sas-device", generationID: "494645329676362333",
                authentication: .sas(primaryKey: "o8502NoD//e2pzt2XcPZzVY/ybeUq+gEHodyozyY8bg=", secondaryKey: "df3ddghBgDOGphtm7BXIEh+EnEf9e+Vf4auOA/v+rRw="),
                twin: try Self.twin(
                    tags: #"{"site":"lab"}"#, desired: #"{"telemetryInterval":20}"#,
                    desiredMetadata: #"{"$lastUpdated":"2026-12-01T20:03:03.052Z","telemetryInterval":{"$lastUpdated":"2026-12-01T20:03:03.052Z"}}"#,
                    versions: (2, 1, 2)),
                statusUpdatedTime: "2026-12-01T20:03:02.894Z"),
        ])
        #expect(JSONValue.object(devices[1].twin.desiredMetadata).text
            == #"{"$lastUpdated":"2026-12-01T20:03:03.052Z","telemetryInterval":{"$lastUpdated":"2026-12-01T20:03:03.052Z"}}"#)
        #expect(try store.certificates(hub: "fixturehub").isEmpty)

        #expect(try store.queued(hub: "fixturehub", device: "sas-device") == [
            C2DMessage(
                sequence: 1, messageID: "425e65d3-99a2-4375-8419-517477c936ad", properties: [("color", "blue")], body: Array("hello fixture".utf8),
                expiresAt: 1_796_158_983, deliveryCount: 0)
        ])
        #expect(try store.queued(hub: "fixturehub", device: "ca-device").isEmpty)

        #expect(try store.provisioningInstances() == [
            ProvisioningInstance(
                name: "fixturedps", idScope: "0neA0BF3140", hostname: "fixturedps.azure-devices-provisioning.net", created: "2026-12-01T20:03:05.494Z")
        ])
        let enrollments = try store.enrollments(dps: "fixturedps")
        #expect(enrollments.map(\.id) == ["sym-enrollment"] && enrollments.first?.kind == .individual)
        #expect(enrollments.first?.certificates == [] && enrollments.first?.etagCounter == 1)
        #expect(enrollments.first.map { JSONValue.object($0.document).text } == Self.baselineEnrollmentDocument)
        #expect(try store.provisioningCertificates(dps: "fixturedps").isEmpty && store.registrations(dps: "fixturedps").isEmpty)
        #expect(try store.operations(dps: "fixturedps").isEmpty)

        // Opening it again applies nothing more, and the hub and DPS start on it.
        let again = try SQLiteHubStore(path: files.path)
        #expect(try again.appliedMigrations() == HubSchema.versions)
        let core = try HubCore(store: again, logger: Logger(label: "test"))
        #expect(try core.twinJSON(hub: "fixturehub", id: "sas-device")["properties"]?["desired"]?["telemetryInterval"] == .integer(20))
        _ = try ProvisioningService(hubCore: core, store: again, logger: Logger(label: "test"))
    }

    static let baselineEnrollmentDocument = #"""
        {"registrationId":"sym-enrollment","deviceId":"sym-device","attestation":{"type":"symmetricKey","x509":null,"symmetricKey":{"primaryKey":"rWhC2XVLL1cSz40q0IboAWF7e1GLwMDT2mM7eAlAJXHbYqHpaGUuzJIpSqFZmOGH13AE+h71f56kmYQf1W90HQ==","secondaryKey":"fLigc0GM0pd9Y74yKbXJC3abzC5sC8LjG3Il6V2Jg8/IN3bp/EVSW3enJFnsuk6Y18Bg7/wrne3hEMPRYTVK7A=="},"tpm":null},"capabilities":{"iotEdge":false},"etag":"AAAAAAAAAAE=","provisioningStatus":"enabled","reprovisionPolicy":{"migrateDeviceData":true,"updateHubAssignment":true},"createdDateTimeUtc":"2026-12-01T20:03:09.158Z","lastUpdatedDateTimeUtc":"2026-12-01T20:03:09.158Z","allocationPolicy":"hashed","iotHubs":null,"iotHubHostName":null,"customAllocationDefinition":null,"initialTwin":null}
        """#

    static func twin(
        tags: String = "{}", desired: String = "{}", reported: String = "{}", desiredMetadata: String = "{}", reportedMetadata: String = "{}",
        versions: (desired: Int, reported: Int, twin: Int) = (1, 1, 1)
    ) throws -> Twin {
        func object(_ text: String) throws -> JSONObject { try #require(try JSONValue.parse(text).objectValue) }
        var twin = Twin()
        (twin.tags, twin.desired, twin.reported) = (try object(tags), try object(desired), try object(reported))
        (twin.desiredMetadata, twin.reportedMetadata) = (try object(desiredMetadata), try object(reportedMetadata))
        (twin.desiredVersion, twin.reportedVersion, twin.version) = versions
        return twin
    }

    /// The v2 fixture's rows as the old emulator wrote them: table → row key → the record's JSON.
    private static func legacyRows(_ files: StoreFiles) throws -> [String: [String: JSONValue]] {
        try DatabaseQueue(path: files.path).read { db in
            var tables: [String: [String: JSONValue]] = [:]
            for (table, key) in [
                ("hub", "name"), ("device", "hub || '/' || id"), ("certificate", "hub || '/' || name"), ("c2d", "sequence"),
                ("session", "hub || '/' || client"), ("dps", "kind || '/' || dps || '/' || key"),
            ] {
                let column = table == "session" ? "subscriptions" : "record"
                for row in try Row.fetchAll(db, sql: "SELECT CAST(\(key) AS TEXT) AS key, \(column) AS record FROM \(table)") {
                    tables[table, default: [:]][row["key"]] = try JSONValue.parse(row["record"] as String)
                }
            }
            return tables
        }
    }

    @Test("a v2 database is migrated: every row of every table comes through with every field, and the API renders it as before")
    func migratesV2() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        try files.v2()
        let legacy = try Self.legacyRows(files)
        #expect(legacy.mapValues(\.count) == ["hub": 2, "device": 4, "certificate": 2, "c2d": 3, "session": 1, "dps": 10])
        let store = try SQLiteHubStore(path: files.path)
        #expect(try store.appliedMigrations() == HubSchema.versions)
        #expect(try files.tables() == Self.typedTables)

        // Hubs, devices with their twins, CA certificates, C2D queues, sessions: field by field against the v2 JSON.
        let hubs = try store.hubs()
        #expect(hubs.map(\.name) == ["hub1", "hub2"])
        for hub in hubs {
            let stored = try #require(legacy["hub"]?[hub.name])
            #expect(hub.hostname == stored["hostname"]?.stringValue)
            let policies = try #require(stored["policies"]?.objectValue)
            #expect(hub.policies.keys.sorted() == policies.keys.sorted())
            for (name, keys) in policies.members {
                #expect(hub.policies[name]?.primary == keys["primaryKey"]?.stringValue && hub.policies[name]?.secondary == keys["secondaryKey"]?.stringValue)
            }
        }
        var devices = 0
        for hub in hubs {
            for device in try store.devices(hub: hub.name) {
                devices += 1
                let stored = try #require(legacy["device"]?["\(hub.name)/\(device.deviceID)"])
                #expect(device.generationID == stored["generationId"]?.stringValue)
                #expect(device.etagCounter == stored["etagCounter"]?.intValue && device.enabled == stored["enabled"]?.boolValue)
                #expect(device.statusReason == stored["statusReason"]?.stringValue)
                #expect(device.statusUpdatedTime == stored["statusUpdatedTime"]?.stringValue)
                #expect(device.lastActivityTime == stored["lastActivityTime"]?.stringValue)
                let auth = try #require(stored["authentication"])
                switch device.authentication {
                case .sas(let primary, let secondary):
                    #expect(auth["type"] == .string("sas") && primary == auth["symmetricKey"]?["primaryKey"]?.stringValue)
                    #expect(secondary == auth["symmetricKey"]?["secondaryKey"]?.stringValue)
                case .selfSigned(let primary, let secondary):
                    #expect(auth["type"] == .string("selfSigned") && primary == auth["x509Thumbprint"]?["primaryThumbprint"]?.stringValue)
                    #expect(secondary == auth["x509Thumbprint"]?["secondaryThumbprint"]?.stringValue && secondary == nil)
                case .certificateAuthority:
                    #expect(auth["type"] == .string("certificateAuthority"))
                }
                let twin = try #require(stored["twin"])
                let sections = [
                    ("tags", device.twin.tags), ("desired", device.twin.desired), ("reported", device.twin.reported),
                    ("desiredMetadata", device.twin.desiredMetadata), ("reportedMetadata", device.twin.reportedMetadata),
                ]
                for (name, section) in sections {
                    // The same text: the same members in the same order.
                    #expect(JSONValue.object(section).text == twin[name]?.text, "\(device.deviceID) \(name)")
                }
                #expect(device.twin.desiredVersion == twin["desiredVersion"]?.intValue && device.twin.reportedVersion == twin["reportedVersion"]?.intValue)
                #expect(device.twin.version == twin["version"]?.intValue)
            }
        }
        #expect(devices == 4)
        let selfSigned = try #require(try store.devices(hub: "hub1").first { $0.deviceID == "self-dev" })
        #expect(selfSigned.twin.tags.keys == ["zone", "area"] && selfSigned.twin.desired.keys == ["telemetryInterval", "led"])
        #expect(selfSigned.twin.reported["battery"]?["level"] == .number(87.5) && selfSigned.twin.reported["list"] == .array([.integer(1), .string("two"), .null]))

        func expectCertificate(_ certificate: CACertificateRecord, _ stored: JSONValue?) {
            #expect(certificate.pem == stored?["pem"]?.stringValue && certificate.verified == stored?["verified"]?.boolValue)
            #expect(certificate.verificationCode == stored?["verificationCode"]?.stringValue && certificate.etagCounter == stored?["etagCounter"]?.intValue)
            #expect(certificate.subject == stored?["subject"]?.stringValue && certificate.thumbprint == stored?["thumbprint"]?.stringValue)
            #expect(certificate.expiry == stored?["expiry"]?.stringValue && certificate.created == stored?["created"]?.stringValue)
            #expect(certificate.updated == stored?["updated"]?.stringValue)
        }
        let certificates = try store.certificates(hub: "hub1")
        #expect(certificates.map(\.name) == ["hub-root", "hub-sub"] && certificates.map(\.verified) == [true, false])
        for certificate in certificates { expectCertificate(certificate, legacy["certificate"]?["hub1/\(certificate.name)"]) }

        var messages: [C2DMessage] = []
        for (hub, device) in [("hub1", "self-dev"), ("hub2", "ca-dev")] { messages += try store.queued(hub: hub, device: device) }
        #expect(messages.map(\.sequence) == [1, 2, 3])
        for message in messages {
            let stored = try #require(legacy["c2d"]?["\(message.sequence)"])
            #expect(message.messageID == stored["messageId"]?.stringValue && message.expiresAt == Int64(stored["expiresAt"]?.intValue ?? -1))
            #expect(message.deliveryCount == stored["deliveryCount"]?.intValue)
            let body = try #require(stored["body"]?.stringValue)
            #expect(message.body == Data(base64Encoded: body).map(Array.init))
            #expect(JSONValue.array(message.properties.map { .array([.string($0.key), $0.value.map(JSONValue.string) ?? .null]) }) == stored["properties"])
        }
        #expect(messages[0].properties.map(\.key) == ["color", "flag", "$.ct"] && messages[0].properties[1].value == nil)
        #expect(messages[0].deliveryCount == 2 && messages[1].body == [0, 1, 2, 0xFE, 0xFF])
        #expect(try store.session(hub: "hub1", client: "self-dev") == legacy["session"]?["hub1/self-dev"]?.arrayValue?.compactMap(\.stringValue))
        #expect(try store.session(hub: "hub1", client: "self-dev")?.count == 2)

        // DPS: instances, CA certificates, enrollments, registrations, operations.
        let instances = try store.provisioningInstances()
        #expect(instances.map(\.name) == ["dps1", "dps2"])
        var documents = 0
        for instance in instances {
            documents += 1
            let stored = try #require(legacy["dps"]?["instance/\(instance.name)/\(instance.name)"])
            #expect(instance.idScope == stored["idScope"]?.stringValue && instance.hostname == stored["hostname"]?.stringValue)
            #expect(instance.created == stored["created"]?.stringValue)
            #expect(instance.linkedHubs.map(\.hubName) == stored["linkedHubs"]?.arrayValue?.compactMap { $0["hubName"]?.stringValue })
            #expect(instance.linkedHubs.map(\.hostname) == stored["linkedHubs"]?.arrayValue?.compactMap { $0["hostname"]?.stringValue })
            #expect(instance.linkedHubs.allSatisfy { $0.allocationWeight == nil && $0.applyAllocationPolicy })
            for certificate in try store.provisioningCertificates(dps: instance.name) {
                documents += 1
                expectCertificate(certificate, legacy["dps"]?["certificate/\(instance.name)/\(certificate.name)"])
            }
            for enrollment in try store.enrollments(dps: instance.name) {
                documents += 1
                let stored = try #require(legacy["dps"]?["\(enrollment.kind == .group ? "enrollmentGroup" : "enrollment")/\(instance.name)/\(enrollment.id)"])
                #expect(JSONValue.object(enrollment.document).text == stored["document"]?.text)
                #expect(enrollment.certificates == stored["certificates"]?.arrayValue?.compactMap(\.stringValue))
                #expect(enrollment.etagCounter == stored["etagCounter"]?.intValue)
            }
            for registration in try store.registrations(dps: instance.name) {
                documents += 1
                let stored = try #require(legacy["dps"]?["registration/\(instance.name)/\(registration.registrationID)"])
                #expect(JSONValue.object(registration.state).text == stored["state"]?.text)
                #expect(registration.enrollmentGroupID == stored["enrollmentGroupId"]?.stringValue && registration.etagCounter == stored["etagCounter"]?.intValue)
            }
            for operation in try store.operations(dps: instance.name) {
                documents += 1
                let stored = try #require(legacy["dps"]?["operation/\(instance.name)/\(operation.operationID)"])
                #expect(operation.registrationID == stored["registrationId"]?.stringValue && operation.enrollmentID == stored["enrollmentId"]?.stringValue)
                #expect((operation.enrollmentKind == .group ? "group" : "individual") == stored["enrollmentKind"]?.stringValue)
                #expect(operation.payload.text == stored["payload"]?.text && (operation.result ?? .null).text == stored["result"]?.text)
                #expect(operation.leafThumbprint == stored["leafThumbprint"]?.stringValue && operation.readyAt == Double(stored["readyAt"]?.intValue ?? -1))
            }
        }
        #expect(documents == 10)
        let enrollments = try store.enrollments(dps: "dps1")
        #expect(enrollments.map(\.id) == ["sym-group", "x509-group", "dev-individual"])
        #expect(enrollments.map(\.kind) == [.group, .group, .individual] && enrollments.map(\.certificates.count) == [0, 1, 1])
        #expect(try store.operations(dps: "dps1").filter { $0.result == nil }.map(\.registrationID) == ["Dev-Individual"])

        // What the API renders from the migrated rows is what the v2 emulator rendered.
        let clock = TestClock()
        let core = try HubCore(store: store, logger: Logger(label: "test"), now: { clock.now })
        let dps = try ProvisioningService(hubCore: core, store: store, logger: Logger(label: "test"), now: { clock.now })
        let renderings = try String(contentsOfFile: StoreFiles.fixture("hub-schema-v2.renderings.txt"), encoding: .utf8)
        var compared = 0
        for line in renderings.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            let words = parts[0].split(separator: " ").map(String.init)
            let rendered: JSONValue
            switch words[0] {
            case "device", "twin":
                let path = words[1].split(separator: "/").map(String.init)
                rendered = words[0] == "device" ? try core.deviceJSON(hub: path[0], id: path[1]) : try core.twinJSON(hub: path[0], id: path[1])
            case "group": rendered = try dps.enrollment(.group, dps: "dps1", id: words[1])
            case "enrollment": rendered = try dps.enrollment(.individual, dps: "dps1", id: words[1])
            default: rendered = .array(try dps.registrations(dps: "dps1", groupID: nil))
            }
            #expect(rendered.text == parts[1], "\(parts[0])")
            compared += 1
        }
        #expect(compared == 12)

        // The pending registration is still pollable, and assigned once due.
        let pending = try #require(try store.operations(dps: "dps1").first { $0.result == nil })
        let leaf = try Certificate(pemEncoded: try #require(enrollments.last?.certificates.first))
        let attempt = ProvisioningAttempt(dps: "dps1", registrationID: pending.registrationID, password: nil, chain: [leaf], peer: "test")
        clock.advance(60)
        #expect(dps.operationStatus(attempt, operationID: pending.operationID).body["status"] == .string("assigned"))
    }

    @Test("a C2D sequence is not reused after the migration, not even that of a message completed before it")
    func keepsC2DSequence() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        try files.v2()
        try files.execute("DELETE FROM c2d WHERE sequence = 3")
        let store = try SQLiteHubStore(path: files.path)
        let message = C2DMessage(sequence: 0, messageID: "new", properties: [], body: [1], expiresAt: 0, deliveryCount: 0)
        #expect(try store.enqueue(message, hub: "hub2", device: "ca-dev") == 4)
    }

    @Test("a database from a newer nrfsim is refused, not changed")
    func refusesNewer() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        _ = try SQLiteHubStore(path: files.path)
        try files.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
        let before = try files.dump()
        let error = try #require(throws: HubStoreError.self) { try SQLiteHubStore(path: files.path) }
        #expect("\(error)".contains("written by a newer nrfsim (schema after v3-typed-records)"))
        #expect(try files.dump() == before)
    }
}
