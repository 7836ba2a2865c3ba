import Foundation
import IoTHubTopics
import NIOCore
import NIOEmbedded
import Testing

@testable import HubEmulator

/// The registry part on its own: look-ups by name or hostname, and an update that throws leaves nothing behind.
@Suite("The hub registry part")
struct HubRegistryTests {
    struct Refused: Error {}

    @Test("a hub is found by its name or its hostname, in any case; an unknown one is 404 IotHubNotFound")
    func lookUp() throws {
        let f = try CoreFixture()
        let registry = f.core.registry
        #expect(registry.hub(named: "myhub")?.hostname == "myhub.azure-devices.net")
        #expect(registry.hub(named: "MyHub.Azure-Devices.NET")?.name == "myhub")
        #expect(registry.hub(named: "other") == nil)
        #expect(throws: IoTHubError.self) { try registry.read("other") { $0.record.name } }
    }

    @Test("creating a hub that exists returns it unchanged, without making a new one")
    func insertExisting() throws {
        let f = try CoreFixture()
        let before = try #require(f.core.hub(named: "myhub"))
        let again = try f.core.createHub(name: "myhub")
        #expect(again == before)
        #expect(f.core.hubRecords.count == 1)
    }

    @Test("a device update keeps the device its body returns, changes nothing when it returns nil or throws, and finds the hub by hostname")
    func updateDevice() throws {
        let f = try CoreFixture()
        try f.device("dev1")
        try f.device("dev2")
        let registry = f.core.registry
        func device(_ id: String) throws -> DeviceRecord? { try registry.read("myhub") { $0.devices[id] } }
        let before = try #require(try device("dev1"))
        #expect(throws: Refused.self) {
            try registry.updateDevice("myhub", "dev1") { _, found -> (Int, DeviceRecord?) in
                #expect(found == before)
                throw Refused()
            }
        }
        #expect(try device("dev1") == before)
        let unchanged = try registry.updateDevice("myhub", "dev1") { _, _ -> (Int, DeviceRecord?) in (7, nil) }
        #expect(try unchanged == 7 && device("dev1") == before)
        let hubName = try registry.updateDevice("MYHUB.azure-devices.net", "dev1") { record, found -> (String, DeviceRecord?) in
            var changed = try #require(found)
            changed.lastActivityTime = "changed"
            return (record.name, changed)
        }
        #expect(try hubName == "myhub" && device("dev1")?.lastActivityTime == "changed")
        #expect(try device("dev2")?.lastActivityTime == before.lastActivityTime)
        let missing = try registry.updateDevice("myhub", "nobody") { _, found -> (Bool, DeviceRecord?) in (found == nil, nil) }
        #expect(try missing && device("nobody") == nil)
        #expect(throws: IoTHubError.self) { try registry.updateDevice("other", "dev1") { _, _ -> (Int, DeviceRecord?) in (0, nil) } }
    }

    @Test("an update whose body throws after changing the entry leaves the entry as it was")
    func updateRollsBack() throws {
        let f = try CoreFixture()
        try f.device("dev1")
        #expect(throws: Refused.self) {
            try f.core.registry.update("myhub") { entry in
                entry.devices["dev1"] = nil
                entry.devices["ghost"] = entry.devices["dev1"]
                throw Refused()
            }
        }
        #expect(try f.core.devices(hub: "myhub").map(\.deviceID) == ["dev1"])
    }
}

/// The telemetry stream's bounds.
@Suite("The telemetry stream")
struct TelemetryStreamTests {
    @Test("the stream is bounded by bytes: big events push out the oldest, and what is kept stays under the bound")
    func byteBound() throws {
        let stream = TelemetryStream(capacity: 1000, maximumBytes: 1_000_000)
        for _ in 0..<50 {
            stream.append(hub: "h", deviceID: "d", enqueuedAt: Date(timeIntervalSince1970: 0), properties: PropertyBag([]), body: [UInt8](repeating: 1, count: 100_000), retain: false)
        }
        let kept = try stream.events(hub: "h", after: 0, timeout: .zero, on: EmbeddedEventLoop()).wait()
        #expect(!kept.isEmpty && kept.count <= 10)
        #expect(kept.reduce(0) { $0 + TelemetryStream.cost(of: $1) } <= 1_000_000)
        #expect(kept.last?.sequence == 50)
        #expect(kept.map(\.sequence) == Array((51 - kept.count)...50))
    }

    @Test("small events are bounded by count, the oldest going one by one: never more than the capacity", arguments: [99, 100, 101, 105, 111, 250])
    func countBound(appended: Int) throws {
        let stream = TelemetryStream(capacity: 100, maximumBytes: 1 << 30)
        for _ in 0..<appended {
            stream.append(hub: "h", deviceID: "d", enqueuedAt: Date(timeIntervalSince1970: 0), properties: PropertyBag([]), body: [1], retain: false)
        }
        let kept = try stream.events(hub: "h", after: 0, timeout: .zero, on: EmbeddedEventLoop()).wait()
        #expect(kept.map(\.sequence) == Array(max(1, appended - 99)...appended))
        let later = try stream.events(hub: "h", after: appended - 3, timeout: .zero, on: EmbeddedEventLoop()).wait()
        #expect(later.map(\.sequence) == [appended - 2, appended - 1, appended])
    }
}
