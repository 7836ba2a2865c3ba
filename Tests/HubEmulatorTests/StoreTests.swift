import Foundation
import GRDB
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import Testing

@testable import HubEmulator

@Suite("The hub's store: typed records, and failures refused")
struct StoreTests {
    @Test("every model type is written and read back as it was: twin member order, null property values, binary and empty bodies")
    func roundTrip() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let hub = HubRecord(name: "h", hostname: "h.azure-devices.net", policies: ["service": ("cA==", "cQ=="), "device": ("ZA==", "ZQ==")])
        try store.save(hub)
        #expect(try store.hubs() == [hub])

        var twin = Twin()
        twin.tags = try #require(try JSONValue.parse(#"{"z":1,"a":{"y":[1,2.5,"é\n"],"b":null}}"#).objectValue)
        twin.desired = try #require(try JSONValue.parse(#"{"telemetryInterval":60,"alpha":true}"#).objectValue)
        twin.reportedMetadata = try #require(try JSONValue.parse(#"{"$lastUpdated":"2027-01-15T08:00:00.000Z"}"#).objectValue)
        (twin.desiredVersion, twin.reportedVersion, twin.version) = (4, 7, 10)
        let devices = [
            DeviceRecord(
                deviceID: "a", generationID: "1", etagCounter: 3, enabled: false, statusReason: "why", authentication: .sas(primaryKey: "cA==", secondaryKey: "cQ=="),
                twin: twin, statusUpdatedTime: "2027-01-15T08:00:00.000Z", lastActivityTime: "2027-01-15T09:00:00.000Z"),
            DeviceRecord(
                deviceID: "b", generationID: "2", authentication: .selfSigned(primaryThumbprint: "AB", secondaryThumbprint: nil), statusUpdatedTime: "t"),
            DeviceRecord(deviceID: "c", generationID: "3", authentication: .certificateAuthority, statusUpdatedTime: "t"),
        ]
        for device in devices { try store.save(device, hub: "h") }
        let read = try store.devices(hub: "h")
        #expect(read == devices)
        #expect(read.first?.twin.tags.keys == ["z", "a"] && read.first?.twin.desired.keys == ["telemetryInterval", "alpha"])

        let certificate = CACertificateRecord(
            name: "root", pem: "PEM", verified: true, verificationCode: nil, etagCounter: 3, subject: "CN=x", thumbprint: "AA", expiry: "e", created: "c", updated: "u")
        try store.save(certificate, hub: "h")
        #expect(try store.certificates(hub: "h") == [certificate])

        let messages = [
            C2DMessage(sequence: 0, messageID: "m1", properties: [("k", "v"), ("flag", nil)], body: [0, 0xFF, 10], expiresAt: Int64.max, deliveryCount: 0),
            C2DMessage(sequence: 0, messageID: "m2", properties: [], body: [], expiresAt: 0, deliveryCount: 9),
        ]
        var sequences: [Int64] = []
        for message in messages { sequences.append(try store.enqueue(message, hub: "h", device: "a")) }
        let queued = try store.queued(hub: "h", device: "a")
        #expect(queued == zip(messages, sequences).map { message, sequence in
            var stored = message
            stored.sequence = sequence
            return stored
        })
        #expect(try store.markDelivered(sequence: sequences[0])?.deliveryCount == 1)
        #expect(try store.queued(hub: "h", device: "a").first?.deliveryCount == 1)

        try store.saveSession(hub: "h", client: "a", subscriptions: ["devices/a/messages/devicebound/#"])
        #expect(try store.session(hub: "h", client: "a") == ["devices/a/messages/devicebound/#"])
        try store.deleteDevice("a", hub: "h")
        #expect(try store.session(hub: "h", client: "a") == nil && store.queued(hub: "h", device: "a").isEmpty)

        let instance = ProvisioningInstance(
            name: "d", idScope: "0ne00000001", hostname: "d.azure-devices-provisioning.net",
            linkedHubs: [.init(hubName: "h", hostname: "h.azure-devices.net", allocationWeight: 5, applyAllocationPolicy: false)], created: "c")
        try store.save(instance)
        #expect(try store.provisioningInstances() == [instance])
        try store.saveProvisioningCertificate(certificate, dps: "d")
        #expect(try store.provisioningCertificates(dps: "d") == [certificate] && store.provisioningCertificates(dps: "other").isEmpty)
        let document = try #require(try JSONValue.parse(#"{"registrationId":"Dev-1","attestation":{"type":"x509"},"etag":"AAAAAAAAAAE="}"#).objectValue)
        let enrollments = [
            EnrollmentRecord(kind: .group, id: "g", document: document, certificates: ["P1", "P2"], etagCounter: 2),
            EnrollmentRecord(kind: .individual, id: "dev-1", document: document, certificates: [], etagCounter: 1),
        ]
        for enrollment in enrollments { try store.save(enrollment, dps: "d") }
        #expect(try store.enrollments(dps: "d") == enrollments)
        try store.deleteEnrollment(.group, id: "g", dps: "d")
        #expect(try store.enrollments(dps: "d") == [enrollments[1]])
        let pending = RegistrationOperation(
            operationID: "op", registrationID: "Dev-1", enrollmentKind: .individual, enrollmentID: "Dev-1", payload: .object(JSONObject([("n", .integer(1))])),
            leafThumbprint: nil, readyAt: 1_800_000_000.5)
        try store.save(pending, dps: "d")
        #expect(try store.operations(dps: "d") == [pending])
        var finished = pending
        finished.result = .object(JSONObject([("status", .string("assigned"))]))
        let registration = RegistrationRecord(registrationID: "dev-1", state: document, enrollmentGroupID: nil, etagCounter: 1)
        try store.save(registration, finishing: finished, dps: "d")
        #expect(try store.operations(dps: "d") == [finished] && store.registrations(dps: "d") == [registration])
        try store.deleteRegistration("dev-1", dps: "d")
        #expect(try store.registrations(dps: "d").isEmpty)
    }

    @Test("a device row's bound values are GRDB's Codable encoding of the row, column for column, for each authentication")
    func deviceRowValues() throws {
        var twin = Twin()
        twin.tags = try #require(try JSONValue.parse(#"{"z":1,"a":{"b":null}}"#).objectValue)
        twin.desired = try #require(try JSONValue.parse(#"{"telemetryInterval":60}"#).objectValue)
        twin.reported = try #require(try JSONValue.parse(#"{"fw":"1.0"}"#).objectValue)
        twin.desiredMetadata = try #require(try JSONValue.parse(#"{"$lastUpdated":"d"}"#).objectValue)
        twin.reportedMetadata = try #require(try JSONValue.parse(#"{"$lastUpdated":"r"}"#).objectValue)
        (twin.desiredVersion, twin.reportedVersion, twin.version) = (4, 7, 10)
        for authentication in [
            DeviceAuthentication.sas(primaryKey: "cA==", secondaryKey: "cQ=="), .selfSigned(primaryThumbprint: "AB", secondaryThumbprint: "CD"),
            .certificateAuthority,
        ] {
            let row = DeviceRow(
                DeviceRecord(
                    deviceID: "a", generationID: "g", etagCounter: 3, enabled: false, statusReason: "why", authentication: authentication,
                    twin: twin, statusUpdatedTime: "s", lastActivityTime: "l"),
                hub: "h")
            let bound = Dictionary(uniqueKeysWithValues: zip(DeviceRow.columns, row.columnValues.map { $0?.databaseValue ?? .null }))
            #expect(DeviceRow.columns.count == row.columnValues.count)
            #expect(bound == (try row.databaseDictionary))
        }
    }

    @Test("saving a device again changes its row in place; the queue depth counts a device's messages only")
    func upsertAndDepth() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        var device = DeviceRecord(deviceID: "a", generationID: "1", authentication: .sas(primaryKey: "cA==", secondaryKey: "cQ=="), statusUpdatedTime: "t")
        let other = DeviceRecord(deviceID: "b", generationID: "2", authentication: .certificateAuthority, statusUpdatedTime: "t")
        try store.save(device, hub: "h")
        try store.save(other, hub: "h")
        _ = try device.twin.applyReported(try JSONValue.parse(#"{"fw":"2.0"}"#), now: "2027-01-15T08:00:00.000Z")
        device.authentication = .selfSigned(primaryThumbprint: "AB", secondaryThumbprint: nil)
        device.enabled = false
        try store.save(device, hub: "h")
        #expect(try store.devices(hub: "h") == [device, other])
        #expect(try store.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM device") } == 2)

        let message = C2DMessage(sequence: 0, messageID: "m", properties: [], body: [1], expiresAt: Int64.max, deliveryCount: 0)
        for _ in 0..<3 { _ = try store.enqueue(message, hub: "h", device: "a") }
        _ = try store.enqueue(message, hub: "h", device: "b")
        _ = try store.enqueue(message, hub: "other", device: "a")
        #expect(try store.queueDepth(hub: "h", device: "a") == 3 && store.queueDepth(hub: "h", device: "b") == 1)
        #expect(try store.queueDepth(hub: "h", device: "c") == 0)
        try store.removeMessage(sequence: try #require(try store.queued(hub: "h", device: "a").first).sequence)
        #expect(try store.queueDepth(hub: "h", device: "a") == 2)
    }

    @Test("a write SQLite refuses is HubStoreError.failed naming the operation, and nothing is changed")
    func sqliteWriteRefused() throws {
        let files = try StoreFiles()
        defer { files.remove() }
        let store = try SQLiteHubStore(path: files.path)
        let hub = HubRecord(name: "h", hostname: "h.azure-devices.net", policies: [:])
        try store.save(hub)
        // A read-only connection: every write fails as on a read-only file system.
        try store.queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
        let error = try #require(throws: HubStoreError.self) {
            try store.save(DeviceRecord(deviceID: "d", generationID: "1", authentication: .certificateAuthority, statusUpdatedTime: "t"), hub: "h")
        }
        guard case .failed(let operation, _) = error else {
            Issue.record("not a failed write: \(error)")
            return
        }
        #expect(operation == "save device h/d")
        #expect(throws: HubStoreError.self) { try store.save(HubRecord(name: "h", hostname: "other", policies: [:])) }
        #expect(try store.devices(hub: "h").isEmpty && store.hubs() == [hub])
    }

    @Test("DPS changes that cannot be stored are refused and not kept: an enrollment, a registration's end")
    func provisioningWriteRefused() throws {
        let (fixture, failing) = try CoreFixture.withFailingStore()
        let clock = fixture.clock
        let dps = try ProvisioningService(hubCore: fixture.core, store: fixture.store, logger: Logger(label: "test"), retryAfter: 0, now: { clock.now })
        _ = try dps.createInstance(name: "dps1")
        _ = try dps.linkHub(dps: "dps1", hub: "myhub", allocationWeight: nil, applyAllocationPolicy: true)
        let pki = try TestPKI(now: fixture.clock.now)
        let leaf = try pki.leaf("dev-x509")
        let enrollment = JSONValue.object(JSONObject([
            ("attestation", .object(JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([
                ("clientCertificates", .object(JSONObject([("primary", .object(JSONObject([("certificate", .string(leaf.pem))])))]))),
            ])))]))),
        ]))
        _ = try dps.putEnrollment(.individual, dps: "dps1", id: "dev-x509", body: enrollment, ifMatch: nil)
        failing.fail()
        #expect(throws: HubStoreError.self) { try dps.putEnrollment(.individual, dps: "dps1", id: "dev-other", body: enrollment, ifMatch: nil) }
        #expect(throws: IoTHubError.self) { try dps.enrollment(.individual, dps: "dps1", id: "dev-other") }
        #expect(throws: HubStoreError.self) { try dps.createInstance(name: "dps2") }
        #expect(dps.instanceRecords.map(\.name) == ["dps1"])
        failing.fail(writes: false)
        // A registration whose end cannot be stored: 500, and no registration state.
        let attempt = ProvisioningAttempt(dps: "dps1", registrationID: "dev-x509", password: nil, chain: [leaf, pki.sub], peer: "test")
        let started = dps.register(attempt, body: [])
        let operation = try #require(started.body["operationId"]?.stringValue, "\(started)")
        failing.fail()
        #expect(dps.operationStatus(attempt, operationID: operation).status == 500)
        #expect(try dps.registrations(dps: "dps1", groupID: nil).isEmpty)
        #expect(try fixture.store.registrations(dps: "dps1").isEmpty)
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
