import Foundation
import GRDB
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import Testing

@testable import HubEmulator

@Suite("The hub's store: schema migrations, damaged rows, and failures refused on the wire")
struct StoreTests {
    private let directory = NSTemporaryDirectory() + "nrfsim-store-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true) }

    private var path: String { self.directory + "/hub.sqlite" }

    /// A database written by the emulator before the schema was versioned (the `hub`/`device`/… tables with JSON
    /// records, no `grdb_migrations`): hub `fixturehub` with devices `sas-device` (desired `telemetryInterval` 20,
    /// tag `site`, one queued C2D message "hello fixture" with `color=blue`) and `ca-device`, and DPS `fixturedps`
    /// with the enrollment `sym-enrollment`.
    private func baselineFixture() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/hub-schema-baseline.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: self.path)
    }

    @Test("an empty database is migrated to every version this build knows")
    func migratesEmpty() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let store = try SQLiteHubStore(path: self.path)
        #expect(try store.appliedMigrations() == HubSchema.versions)
        #expect(try store.hubs().isEmpty)
    }

    @Test("a database of the unversioned baseline is migrated and keeps every row")
    func migratesBaseline() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        try self.baselineFixture()
        let store = try SQLiteHubStore(path: self.path)
        #expect(try store.appliedMigrations() == HubSchema.versions)
        #expect(try store.hubs().map(\.name) == ["fixturehub"])
        let devices = try store.devices(hub: "fixturehub")
        #expect(devices.map(\.deviceID) == ["ca-device", "sas-device"])
        let twin = try #require(devices.last?.twin)
        #expect(twin.desired["telemetryInterval"] == .integer(20) && twin.tags["site"] == .string("lab"))
        let queued = try store.queued(hub: "fixturehub", device: "sas-device")
        #expect(queued.map { String(decoding: $0.body, as: UTF8.self) } == ["hello fixture"])
        #expect(queued.first?.properties.contains { $0.key == "color" && $0.value == "blue" } == true)
        #expect(try store.provisioningDocuments(.instance).map(\.dps) == ["fixturedps"])
        #expect(try store.provisioningDocuments(.enrollment).map(\.key) == ["sym-enrollment"])
        // Opening it again applies nothing more.
        #expect(try SQLiteHubStore(path: self.path).appliedMigrations() == HubSchema.versions)
    }

    @Test("a database from a newer nrfsim is refused, not changed")
    func refusesNewer() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        _ = try SQLiteHubStore(path: self.path)
        try DatabaseQueue(path: self.path).write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        let error = try #require(throws: HubStoreError.self) { try SQLiteHubStore(path: self.path) }
        #expect("\(error)".contains("newer nrfsim"))
    }

    @Test("a row that does not decode is an error naming its table and key; the hub does not start without it")
    func corruptRow() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        try self.baselineFixture()
        try DatabaseQueue(path: self.path).write {
            try $0.execute(sql: "UPDATE device SET record = '{\"deviceId\": 1' WHERE id = 'sas-device'")
            try $0.execute(sql: "UPDATE c2d SET record = '{}'")
        }
        let store = try SQLiteHubStore(path: self.path)
        let device = try #require(throws: HubStoreError.self) { try store.devices(hub: "fixturehub") }
        #expect("\(device)".hasPrefix("the device row fixturehub/sas-device cannot be read"))
        let message = try #require(throws: HubStoreError.self) { try store.queued(hub: "fixturehub", device: "sas-device") }
        #expect("\(message)".hasPrefix("the c2d row 1 cannot be read"))
        #expect(throws: HubStoreError.self) { try HubCore(store: store, logger: Logger(label: "test")) }
    }

    @Test("a reported PATCH that cannot be stored is answered 500 and not applied")
    func reportedPatchRefused() throws {
        let (fixture, failing) = try CoreFixture.withFailingStore()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        failing.fail()
        try session.send(.publish(Publish(topic: "$iothub/twin/PATCH/properties/reported/?$rid=1", payload: Array(#"{"a":1}"#.utf8))))
        let replies = try session.received()
        guard case .publish(let reply)? = replies.first else { Issue.record("no twin response: \(replies)"); return }
        #expect(reply.topic.hasPrefix("$iothub/twin/res/500/?$rid=1"))
        let identity = DeviceSessionIdentity(hub: "myhub", hostname: "myhub.azure-devices.net", deviceID: "dev1", authMethod: "sas", expiresAt: nil)
        #expect(fixture.core.deviceTwin(identity: identity)?["reported"]?["a"] == nil)
    }

    @Test("a persistent SUBSCRIBE that cannot be stored gets SUBACK failure codes; a CONNECT whose session cannot be read, CONNACK 3")
    func sessionRefused() throws {
        let (fixture, failing) = try CoreFixture.withFailingStore()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1", cleanSession: false)
        failing.fail()
        #expect(try session.subscribe(["$iothub/methods/POST/#"]) == [.suback(packetID: 1, returnCodes: [0x80])])
        failing.fail(writes: true, reads: true)
        let again = try SessionHarness(fixture: fixture)
        #expect(try again.connect("dev1", cleanSession: false) == .connack(sessionPresent: false, returnCode: .serverUnavailable))
        #expect(!again.isOpen)
    }

    @Test("a service twin PATCH that cannot be stored throws the store's error and changes nothing")
    func servicePatchRefused() throws {
        let (fixture, failing) = try CoreFixture.withFailingStore()
        try fixture.device("dev1")
        failing.fail()
        #expect(throws: HubStoreError.self) {
            try fixture.core.patchTwin(hub: "myhub", id: "dev1", body: try JSONValue.parse(#"{"properties":{"desired":{"x":1}}}"#), ifMatch: nil, replace: false)
        }
        #expect(try fixture.core.twinJSON(hub: "myhub", id: "dev1")["properties"]?["desired"]?["x"] == nil)
    }
}
