import Foundation
import IoTHubTopics
import MQTTCodec
import NIOCore
import NIOEmbedded
import Testing

@testable import HubEmulator

@Suite("The hub's MQTT session handler, in an EmbeddedChannel")
struct DeviceSessionTests {
    @Test("CONNECT routing: a DPS user name goes to DPS, any other to the hub, which accepts a registered device")
    func routing() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let dps = try SessionHarness(fixture: fixture)
        let registration = Connect(cleanSession: true, keepAlive: 60, clientID: "reg1", username: "0ne00000001/registrations/reg1/api-version=2019-03-31")
        try dps.send(.connect(registration))
        #expect(dps.provisioning.received == [.connect(registration)])
        #expect(try dps.received().isEmpty)

        let hub = try SessionHarness(fixture: fixture)
        #expect(try hub.connect("dev1") == .connack(sessionPresent: false, returnCode: .accepted))
        #expect(hub.provisioning.received.isEmpty)
    }

    @Test("auth refusals: a wrong key, an unknown device, MQTT 3.1 — CONNACK with the refusal, then closed")
    func refusals() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let wrongKey = try SessionHarness(fixture: fixture)
        #expect(try wrongKey.connect("dev1", key: "d3Jvbmd3cm9uZ3dyb25nd3Jvbmd3cm9uZ3dyb25nMDA=") == .connack(sessionPresent: false, returnCode: .notAuthorized))
        #expect(!wrongKey.isOpen)
        let unknown = try SessionHarness(fixture: fixture)
        #expect(try unknown.connect("nobody") == .connack(sessionPresent: false, returnCode: .notAuthorized))
        #expect(!unknown.isOpen)
        let old = try SessionHarness(fixture: fixture)
        try old.send(.connect(Connect(protocolName: "MQIsdp", protocolLevel: 3, cleanSession: true, keepAlive: 60, clientID: "dev1")))
        #expect(try old.received() == [.connack(sessionPresent: false, returnCode: .unacceptableProtocolVersion)])
        #expect(!old.isOpen)
    }

    @Test("the CONNECT deadline: a connection that sends nothing is closed after 30 s, not before")
    func connectDeadline() throws {
        let session = try SessionHarness(fixture: CoreFixture())
        session.loop.advanceTime(by: .seconds(29))
        #expect(session.isOpen)
        session.loop.advanceTime(by: .seconds(1))
        #expect(!session.isOpen)
    }

    @Test("keep-alive: closed after 1.5 × the keep-alive without a packet, and a PINGREQ keeps it open")
    func keepAlive() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1", keepAlive: 10)
        session.loop.advanceTime(by: .seconds(14))
        try session.send(.pingreq)
        #expect(try session.received() == [.pingresp])
        session.loop.advanceTime(by: .seconds(15))
        #expect(session.isOpen)
        session.loop.advanceTime(by: .seconds(2))
        #expect(!session.isOpen)
    }

    @Test("QoS 2 closes the connection; telemetry at QoS 1 is acknowledged and reaches the event stream")
    func publishes() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        let before = fixture.core.latestEventSequence
        try session.send(.publish(Publish(topic: "devices/dev1/messages/events/", payload: Array("hi".utf8), qos: .atLeastOnce, packetID: 7)))
        #expect(try session.received() == [.puback(packetID: 7)])
        #expect(fixture.core.latestEventSequence == before + 1)
        try session.send(.publish(Publish(topic: "devices/dev1/messages/events/", payload: [], qos: .exactlyOnce, packetID: 8)))
        #expect(try session.received().isEmpty)
        #expect(!session.isOpen)
    }

    @Test("C2D: delivered after the SUBACK, delivered again when its lock expires without a PUBACK, completed by one")
    func cloudToDeviceRedelivery() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: Array("hello".utf8), properties: [], ttlSeconds: nil)
        let afterSubscribe = try session.subscribe([CoreFixture.c2dFilter("dev1")])
        #expect(afterSubscribe.count == 2)
        #expect(afterSubscribe.first == .suback(packetID: 1, returnCodes: [1]))
        guard case .publish(let first)? = afterSubscribe.last else { Issue.record("no C2D publish"); return }
        #expect(first.payload == Array("hello".utf8) && first.qos == .atLeastOnce)
        // No PUBACK: after the one-minute lock, the watchdog delivers it again.
        fixture.clock.advance(61)
        session.loop.advanceTime(by: .seconds(1))
        let again = try session.received()
        guard case .publish(let second)? = again.first else { Issue.record("not delivered again: \(again)"); return }
        #expect(second.payload == first.payload && second.packetID != first.packetID)
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").first?.deliveryCount == 2)
        try session.send(.puback(packetID: second.packetID!))
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").isEmpty)
    }

    @Test("PUBACKs that arrive just before the device hangs up still complete their messages")
    func pubacksBeforeClose() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        _ = try session.subscribe([CoreFixture.c2dFilter("dev1")])
        for body in [[UInt8(1)], [2]] {
            _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: body, properties: [], ttlSeconds: nil)
        }
        let delivered = try session.received().compactMap { packet -> UInt16? in
            if case .publish(let publish) = packet { return publish.packetID }
            return nil
        }
        #expect(delivered.count == 2)
        // Both PUBACKs arrive; the first one's completion is still under way when the connection closes.
        for packetID in delivered { try session.channel.writeInbound(MQTTPacket.puback(packetID: packetID)) }
        _ = session.channel.close()
        session.loop.run()
        #expect(!session.isOpen)
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").isEmpty)
    }

    @Test("a message whose PUBACK came but whose completion is still being stored is not delivered again meanwhile")
    func noRedeliveryWhileCompleting() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        _ = try session.subscribe([CoreFixture.c2dFilter("dev1")])
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: [1], properties: [], ttlSeconds: nil)
        guard case .publish(let first)? = try session.received().first else { Issue.record("no C2D publish"); return }
        try session.channel.writeInbound(MQTTPacket.puback(packetID: first.packetID!))
        // The completion waits for the executor; a service send delivers what is queued now.
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: [2], properties: [], ttlSeconds: nil)
        let bodies = try session.received().compactMap { packet -> [UInt8]? in
            if case .publish(let publish) = packet { return publish.payload }
            return nil
        }
        #expect(bodies == [[2]])
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").map(\.body) == [[2]])
    }
}
