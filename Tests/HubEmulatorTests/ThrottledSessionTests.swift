import Foundation
import IoTHubTopics
import JSON
import MQTTCodec
import Testing

@testable import HubEmulator

@Suite("An MQTT device over its hub's SKU limits")
struct ThrottledSessionTests {
    private func fixture(_ tier: String) throws -> CoreFixture {
        var options = HubCore.Options()
        options.sku = try HubSKU(tier: tier)
        return try CoreFixture(options: options)
    }

    @Test("telemetry over the device-to-cloud throttle: the hub closes the connection without a PUBACK")
    func telemetryDisconnects() throws {
        let fixture = try self.fixture("F1")
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        for packetID in UInt16(1)...100 {
            try session.send(.publish(Publish(topic: "devices/dev1/messages/events/", payload: [1], qos: .atLeastOnce, packetID: packetID)))
        }
        #expect(try session.received().count == 100)
        #expect(session.isOpen)
        try session.send(.publish(Publish(topic: "devices/dev1/messages/events/", payload: [1], qos: .atLeastOnce, packetID: 101)))
        #expect(try session.received().isEmpty)
        #expect(!session.isOpen)
    }

    @Test("the same traffic without a SKU is served (no throttling by default)")
    func noSKU() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        for packetID in UInt16(1)...150 {
            try session.send(.publish(Publish(topic: "devices/dev1/messages/events/", payload: [1], qos: .atLeastOnce, packetID: packetID)))
        }
        #expect(try session.received().count == 150)
        #expect(session.isOpen)
    }

    @Test("a twin PATCH over the twin update throttle is answered 429 with IoT Hub's error body; the session stays open")
    func twinThrottled() throws {
        let fixture = try self.fixture("S1")
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        _ = try session.subscribe(["$iothub/twin/res/#"])
        for index in 1...50 {
            try session.send(.publish(Publish(
                topic: "$iothub/twin/PATCH/properties/reported/?$rid=\(index)", payload: Array(#"{"n":\#(index)}"#.utf8), qos: .atMostOnce, packetID: nil)))
        }
        let served = try session.received()
        #expect(served.count == 50)
        try session.send(.publish(Publish(
            topic: "$iothub/twin/PATCH/properties/reported/?$rid=51", payload: Array(#"{"n":51}"#.utf8), qos: .atLeastOnce, packetID: 9)))
        let refused = try session.received()
        #expect(refused.first == .puback(packetID: 9))
        guard case .publish(let response) = try #require(refused.last) else {
            Issue.record("no twin response: \(refused)")
            return
        }
        #expect(response.topic == "$iothub/twin/res/429/?$rid=51")
        let body = try JSONValue.parse(response.payload)
        #expect(body["errorCode"]?.intValue == 429001)
        #expect(body["message"]?.stringValue?.contains("twin updates over 50/sec") == true)
        #expect(session.isOpen)
    }

    @Test("a CONNECT over the new-connection throttle is refused with CONNACK 3 (server unavailable)")
    func connectionThrottled() throws {
        let fixture = try self.fixture("F1")
        try fixture.device("dev1")
        for _ in 0..<100 {
            let session = try SessionHarness(fixture: fixture)
            #expect(try session.connect("dev1") == .connack(sessionPresent: false, returnCode: .accepted))
        }
        let refused = try SessionHarness(fixture: fixture)
        #expect(try refused.connect("dev1") == .connack(sessionPresent: false, returnCode: .serverUnavailable))
        #expect(!refused.isOpen)
        fixture.clock.advance(1)
        #expect(try SessionHarness(fixture: fixture).connect("dev1") == .connack(sessionPresent: false, returnCode: .accepted))
    }
}
