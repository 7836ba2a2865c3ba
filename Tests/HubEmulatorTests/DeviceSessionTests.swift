import Foundation
import IoTHubTopics
import MQTTCodec
import NIOCore
import NIOEmbedded
import Testing
import TrafficLedger

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

    @Test("C2D not acknowledged: the connection closes when the lock expires, not before; the message, still queued, comes again on the next one")
    func cloudToDeviceLockExpiryClosesTheConnection() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1", keepAlive: 0)
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: Array("hello".utf8), properties: [], ttlSeconds: nil)
        let afterSubscribe = try session.subscribe([CoreFixture.c2dFilter("dev1")])
        #expect(afterSubscribe.count == 2)
        #expect(afterSubscribe.first == .suback(packetID: 1, returnCodes: [1]))
        guard case .publish(let first)? = afterSubscribe.last else { Issue.record("no C2D publish"); return }
        #expect(first.payload == Array("hello".utf8) && first.qos == .atLeastOnce)
        // No PUBACK: open (and silent) up to the one-minute lock, closed by the watchdog's tick after it.
        fixture.clock.advance(59)
        session.loop.advanceTime(by: .seconds(59))
        #expect(session.isOpen)
        #expect(try session.received().isEmpty)
        fixture.clock.advance(2)
        session.loop.advanceTime(by: .seconds(2))
        #expect(!session.isOpen)
        #expect(try session.received().isEmpty, "delivered again on the connection it went unacknowledged on")
        #expect(!fixture.core.isConnected(hub: "myhub", id: "dev1"))
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").map(\.deliveryCount) == [1])

        let next = try SessionHarness(fixture: fixture)
        _ = try next.connect("dev1", keepAlive: 0)
        let again = try next.subscribe([CoreFixture.c2dFilter("dev1")])
        guard case .publish(let second)? = again.last else { Issue.record("not delivered again: \(again)"); return }
        #expect(second.payload == first.payload && second.topic == first.topic)
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").first?.deliveryCount == 2)
        try next.send(.puback(packetID: second.packetID!))
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").isEmpty)
        fixture.clock.advance(120)
        next.loop.advanceTime(by: .seconds(120))
        #expect(next.isOpen, "closed although its delivery was acknowledged")
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
        for packetID in delivered { try session.write(MQTTPacket.puback(packetID: packetID)) }
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
        try session.write(MQTTPacket.puback(packetID: first.packetID!))
        // The completion waits for the executor; a service send delivers what is queued now.
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: [2], properties: [], ttlSeconds: nil)
        let bodies = try session.received().compactMap { packet -> [UInt8]? in
            if case .publish(let publish) = packet { return publish.payload }
            return nil
        }
        #expect(bodies == [[2]])
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").map(\.body) == [[2]])
    }

    @Test("a connection that closes while its CONNECT is being registered is not left in the hub")
    func closedDuringConnect() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let live = try SessionHarness(fixture: fixture)
        _ = try live.connect("dev1")
        let closing = try SessionHarness(fixture: fixture)
        try closing.write(SessionHarness.connectPacket("dev1"))
        _ = closing.channel.close()
        closing.loop.run()
        live.loop.run()
        #expect(live.isOpen, "the live connection was replaced by one that had closed")
        #expect(fixture.core.isConnected(hub: "myhub", id: "dev1"))
    }

    @Test("after a refused CONNECT nothing more is read: a second CONNECT behind it is not accepted")
    func nothingAfterRefusal() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        try session.write(SessionHarness.connectPacket("dev1", password: Array("bad".utf8)))
        try session.write(SessionHarness.connectPacket("dev1"))
        #expect(try session.received() == [.connack(sessionPresent: false, returnCode: .notAuthorized)])
        #expect(!fixture.core.isConnected(hub: "myhub", id: "dev1"))
    }

    @Test("a SUBSCRIBE right behind a persistent CONNECT adds to the restored session, in order")
    func subscribeBehindPersistentConnect() throws {
        let fixture = try CoreFixture()
        let identity = try fixture.device("dev1")
        let first = try SessionHarness(fixture: fixture)
        _ = try first.connect("dev1", cleanSession: false)
        _ = try first.subscribe(["$iothub/methods/POST/#"])
        _ = first.channel.close()
        first.loop.run()
        let second = try SessionHarness(fixture: fixture)
        try second.write(SessionHarness.connectPacket("dev1", cleanSession: false))
        try second.write(MQTTPacket.subscribe(packetID: 2, subscriptions: [Subscription(topicFilter: CoreFixture.c2dFilter("dev1"), qos: .atLeastOnce)]))
        #expect(try second.received() == [.connack(sessionPresent: true, returnCode: .accepted), .suback(packetID: 2, returnCodes: [1])])
        #expect(try fixture.store.session(hub: "myhub", client: "dev1") == ["$iothub/methods/POST/#", CoreFixture.c2dFilter("dev1")])
        #expect(fixture.core.link(hub: "myhub", deviceID: identity.deviceID, needing: .methods) != nil)
        #expect(fixture.core.link(hub: "myhub", deviceID: identity.deviceID, needing: .cloudToDevice) != nil)
    }

    @Test("a message whose completion is under way on the old connection is not sent on the device's new one")
    func noDuplicateOnReconnect() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let old = try SessionHarness(fixture: fixture)
        _ = try old.connect("dev1")
        _ = try old.subscribe([CoreFixture.c2dFilter("dev1")])
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: [1], properties: [], ttlSeconds: nil)
        guard case .publish(let delivered)? = try old.received().first else { Issue.record("no C2D publish"); return }
        try old.write(MQTTPacket.puback(packetID: delivered.packetID!))  // its completion waits on `old`'s loop
        let new = try SessionHarness(fixture: fixture)
        _ = try new.connect("dev1")
        #expect(try new.subscribe([CoreFixture.c2dFilter("dev1")]) == [.suback(packetID: 1, returnCodes: [1])])
        old.loop.run()
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").isEmpty)
        #expect(try new.received().isEmpty)
    }
}
