import Foundation
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOConcurrencyHelpers

@testable import HubEmulator

/// A hub core on a fresh SQLite store in a temporary directory, with one hub `myhub`, and an adjustable clock.
final class CoreFixture {
    let directory = NSTemporaryDirectory() + "nrfsim-core-" + UUID().uuidString
    let store: any HubStore
    let core: HubCore
    let clock = TestClock()
    static let key = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGs="

    init(store: ((SQLiteHubStore) -> any HubStore)? = nil, options: HubCore.Options = HubCore.Options()) throws {
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        let sqlite = try SQLiteHubStore(path: self.directory + "/hub.sqlite")
        self.store = store?(sqlite) ?? sqlite
        let clock = self.clock
        self.core = try HubCore(
            store: self.store, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), options: options, now: { clock.now })
        _ = try self.core.createHub(name: "myhub")
    }

    deinit { try? FileManager.default.removeItem(atPath: self.directory) }

    /// Registers a SAS device with ``key``.
    @discardableResult
    func device(_ id: String) throws -> DeviceSessionIdentity {
        let body = try JSONValue.parse(#"{"authentication":{"type":"sas","symmetricKey":{"primaryKey":"\#(Self.key)","secondaryKey":"\#(Self.key)"}}}"#)
        _ = try self.core.putDevice(hub: "myhub", id: id, body: body, ifMatch: nil)
        return DeviceSessionIdentity(hub: "myhub", hostname: "myhub.azure-devices.net", deviceID: id, authMethod: "sas", expiresAt: nil)
    }

    static func c2dFilter(_ id: String) -> String { "devices/\(id)/messages/devicebound/#" }
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let value = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { self.value.withLockedValue { $0 } }
    func advance(_ seconds: TimeInterval) { self.value.withLockedValue { $0 += seconds } }
}

/// A device connection that records what the hub sends it. Its claim waits, for a moment, for a second caller, so
/// that two racing deliveries reach the claim together.
final class RecordingLink: DeviceLink {
    private struct State {
        var published: [Publish] = []
        var inflight: [UInt16: Int64] = [:]
        var nextPacketID: UInt16 = 0
        var closed: String?
    }
    private let state = NIOLockedValueBox(State())
    let rendezvous: Rendezvous?

    init(rendezvous: Rendezvous? = nil) { self.rendezvous = rendezvous }

    var published: [Publish] { self.state.withLockedValue { $0.published } }
    var closeReason: String? { self.state.withLockedValue { $0.closed } }

    func send(_ packet: MQTTPacket) {
        if case .publish(let publish) = packet { self.state.withLockedValue { $0.published.append(publish) } }
    }

    func claim(_ sequence: Int64, at claimedAt: Date) -> UInt16? {
        self.rendezvous?.arrive()
        return self.state.withLockedValue { state in
            guard !state.inflight.values.contains(sequence) else { return nil }
            state.nextPacketID &+= 1
            state.inflight[state.nextPacketID] = sequence
            return state.nextPacketID
        }
    }

    func release(_ sequence: Int64) {
        self.state.withLockedValue { state in state.inflight = state.inflight.filter { $0.value != sequence } }
    }

    func unacknowledged(deliveredBefore cutoff: Date) -> Int { 0 }

    func close(reason: String) { self.state.withLockedValue { $0.closed = reason } }

    /// The device's PUBACK for `packetID`: the C2D sequence it completes.
    func acknowledge(_ packetID: UInt16) -> Int64? { self.state.withLockedValue { $0.inflight.removeValue(forKey: packetID) } }
}

/// Lets two threads meet: each `arrive()` waits (up to `timeout`) until the other has arrived too.
final class Rendezvous: Sendable {
    private let condition = NSCondition()
    private let arrived = NIOLockedValueBox(0)
    let timeout: TimeInterval

    init(timeout: TimeInterval = 0.2) { self.timeout = timeout }

    func arrive() {
        self.condition.lock()
        defer { self.condition.unlock() }
        let count = self.arrived.withLockedValue { value -> Int in
            value += 1
            return value
        }
        if count % 2 == 0 {
            self.condition.broadcast()
            return
        }
        _ = self.condition.wait(until: Date() + self.timeout)
    }
}
