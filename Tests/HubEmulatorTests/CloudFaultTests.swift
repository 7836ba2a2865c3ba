import Foundation
import IoTHubTopics
import JSON
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import HubEmulator

@Suite("Hub-initiated disconnects and direct methods to an offline device")
struct CloudFaultTests {
    @Test("a disconnect on demand closes the device's MQTT session; an offline device is 404103, an unknown one 404001")
    func disconnectOnDemand() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        try fixture.device("dev2")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        #expect(try fixture.core.disconnect(hub: "myhub", deviceID: "dev1", reason: "test") == ["dev1"])
        session.loop.run()
        #expect(!session.isOpen)
        #expect(throws: IoTHubError.deviceNotOnline("Device dev1 is not connected")) {
            try fixture.core.disconnect(hub: "myhub", deviceID: "dev1", reason: "test")
        }
        #expect(throws: IoTHubError.deviceNotFound("nobody")) { try fixture.core.disconnect(hub: "myhub", deviceID: "nobody", reason: "test") }
        #expect(throws: IoTHubError.self) { try fixture.core.disconnect(hub: "nohub", deviceID: nil, reason: "test") }
    }

    @Test("every device of a hub, or of every hub, at once")
    func disconnectAll() throws {
        let fixture = try CoreFixture()
        let sessions = try ["dev1", "dev2"].map { id in
            try fixture.device(id)
            let session = try SessionHarness(fixture: fixture)
            _ = try session.connect(id)
            return session
        }
        #expect(try fixture.core.disconnect(hub: "myhub", deviceID: nil, reason: "test") == ["dev1", "dev2"])
        for session in sessions { session.loop.run() }
        #expect(sessions.allSatisfy { !$0.isOpen })
        #expect(fixture.core.disconnectAll(reason: "test") == 0)
    }

    private func connected(_ fixture: CoreFixture, _ link: RecordingLink, _ identity: DeviceSessionIdentity) throws {
        _ = try fixture.core.register(link, identity: identity, cleanSession: true)
        fixture.core.takeSubscriptions([.methods], identity: identity, link: link)
    }

    @Test("connectTimeoutInSeconds 0: an offline device fails the call with 404103 at once")
    func offlineAtOnce() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let loop = EmbeddedEventLoop()
        let call = fixture.core.invokeMethod(hub: "myhub", id: "dev1", name: "m", payload: .null, timeoutSeconds: 30, on: loop)
        loop.run()
        #expect(throws: IoTHubError.deviceNotOnline("Timed out waiting for device to connect.")) { try call.wait() }
    }

    @Test("connectTimeoutInSeconds: the call waits for the device to connect and subscribe, then reaches it")
    func waitsForTheDevice() throws {
        let fixture = try CoreFixture()
        let identity = try fixture.device("dev1")
        let loop = EmbeddedEventLoop()
        let result = MethodOutcome()
        fixture.core.invokeMethod(hub: "myhub", id: "dev1", name: "wake", payload: .null, timeoutSeconds: 30, connectTimeoutSeconds: 20, on: loop)
            .whenComplete { result.set($0) }
        loop.advanceTime(by: .seconds(19))
        #expect(result.value == nil)
        let link = RecordingLink()
        try self.connected(fixture, link, identity)
        loop.run()
        let request = try #require(link.published.first)
        #expect(request.topic.hasPrefix("$iothub/methods/POST/wake/?$rid="))
        let requestID = String(request.topic.split(separator: "=").last!)
        fixture.core.methodResponse(identity: identity, requestID: requestID, status: 200, payload: Array(#"{"ok":true}"#.utf8))
        loop.run()
        let answer = try #require(try result.value?.get())
        #expect(answer.0 == 200 && answer.1 == .object(JSONObject([("ok", .bool(true))])))
        // The connect deadline was cancelled with the wait: nothing fires later.
        loop.advanceTime(by: .seconds(60))
    }

    @Test("connectTimeoutInSeconds: a device that does not come is 404103 once it has passed; a silent one 504101")
    func timeouts() throws {
        let fixture = try CoreFixture()
        let identity = try fixture.device("dev1")
        let loop = EmbeddedEventLoop()
        let offline = MethodOutcome()
        fixture.core.invokeMethod(hub: "myhub", id: "dev1", name: "m", payload: .null, timeoutSeconds: 30, connectTimeoutSeconds: 5, on: loop)
            .whenComplete { offline.set($0) }
        loop.advanceTime(by: .seconds(4))
        #expect(offline.value == nil)
        loop.advanceTime(by: .seconds(1))
        #expect(throws: IoTHubError.deviceNotOnline("Timed out waiting for device to connect.")) { try offline.value?.get() }
        // Connected but silent: 504101 after responseTimeoutInSeconds (5 at least).
        try self.connected(fixture, RecordingLink(), identity)
        let silent = MethodOutcome()
        fixture.core.invokeMethod(hub: "myhub", id: "dev1", name: "m", payload: .null, timeoutSeconds: 1, on: loop)
            .whenComplete { silent.set($0) }
        loop.advanceTime(by: .seconds(4))
        #expect(silent.value == nil)
        loop.advanceTime(by: .seconds(1))
        #expect(throws: IoTHubError.gatewayTimeout("Timed out waiting for the response from device.")) { try silent.value?.get() }
    }
}

/// A method call's outcome, set where the future completes and read by the test.
final class MethodOutcome: Sendable {
    private let box = NIOLockedValueBox<Result<(Int, JSONValue), any Error>?>(nil)
    var value: Result<(Int, JSONValue), any Error>? { self.box.withLockedValue { $0 } }
    func set(_ result: Result<(Int, JSONValue), any Error>) { self.box.withLockedValue { $0 = result } }
}
