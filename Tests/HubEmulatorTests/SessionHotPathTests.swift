import Foundation
import IoTHubTopics
import MQTTCodec
import NIOCore
import NIOEmbedded
import Testing
import TrafficLedger

@testable import HubEmulator

/// What the session handler does on its hot paths (benchmarks/hub_vs_mosquitto.py) behaves as the general paths do:
/// the device's own telemetry topic read without the topic parser, packets handled at once when nothing waits, and
/// the watchdog on the event loop's shared tick.
@Suite("The hub's MQTT session handler: hot paths")
struct SessionHotPathTests {
    /// Telemetry topics of `dev1` and what `DeviceToHubTopic.parse` makes of them (nil: a violation).
    static let topics = [
        "devices/dev1/messages/events/",
        "devices/dev1/messages/events/a=b&%24.ct=application%2Fjson&%24.ce=utf-8",
        "devices/dev1/messages/events/?k=v&flag",
        "devices/dev1/messages/events/path=a/b/c",
        "devices/dev1/messages/events/k=%E2%82%AC&empty=",
        "devices/dev1/messages/events",
        "devices/dev1/messages/events/a=1&a=2",
        "devices/dev1/messages/events/bad=%zz",
        "devices/dev1/messages/events/=nokey",
        "devices/dev1/modules/m1/messages/events/",
        "devices/dev10/messages/events/",
        "devices/dev1/messages/eventsx/",
    ]

    @Test("telemetry: each topic reaches the event stream with the properties the topic parser reads, or closes the connection as the parser refuses it", arguments: topics)
    func telemetryTopic(_ topic: String) throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        let before = fixture.core.latestEventSequence
        try session.send(.publish(Publish(topic: topic, payload: Array("{}".utf8), qos: .atLeastOnce, packetID: 3)))
        let expected: PropertyBag?
        switch try? DeviceToHubTopic.parse(topic) {
        case .telemetry("dev1", nil, let properties)?: expected = properties
        default: expected = nil
        }
        guard let expected else {
            #expect(try session.received().isEmpty)
            #expect(!session.isOpen)
            #expect(fixture.core.latestEventSequence == before)
            return
        }
        #expect(try session.received() == [.puback(packetID: 3)])
        let events = try fixture.core.events(hub: "myhub", after: before, timeout: .zero, on: session.loop).wait()
        #expect(events.count == 1)
        let pairs = { (list: [(String, String?)]) in list.map { "\($0.0)=\($0.1 ?? "<nil>")" } }
        #expect(pairs(events.first?.systemProperties ?? []) == pairs(expected.systemProperties))
        #expect(pairs(events.first?.applicationProperties ?? []) == pairs(expected.applicationProperties))
    }

    @Test("a telemetry PUBLISH behind a reported PATCH waits for the PATCH's answer; the one after is handled at once")
    func orderBehindATwinPatch() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        _ = try session.subscribe(["$iothub/twin/res/#"])
        try session.write(MQTTPacket.publish(Publish(
            topic: "$iothub/twin/PATCH/properties/reported/?$rid=1", payload: Array(#"{"a":1}"#.utf8), qos: .atLeastOnce, packetID: 5)))
        try session.write(MQTTPacket.publish(Publish(
            topic: "devices/dev1/messages/events/", payload: [1], qos: .atLeastOnce, packetID: 6)))
        session.channel.pipeline.fireChannelReadComplete()
        let replies = try session.received()
        #expect(replies.count == 3)
        #expect(replies.first == .puback(packetID: 5))
        guard case .publish(let answer)? = replies.dropFirst().first else { Issue.record("no twin answer: \(replies)"); return }
        #expect(answer.topic.hasPrefix("$iothub/twin/res/204/?$rid=1&$version="))
        #expect(replies.last == .puback(packetID: 6))
        try session.send(.publish(Publish(topic: "devices/dev1/messages/events/", payload: [2], qos: .atLeastOnce, packetID: 7)))
        #expect(try session.received() == [.puback(packetID: 7)])
    }

    @Test("on the loop's shared tick: closed after 1.5 × the keep-alive without a packet, and a PINGREQ keeps it open")
    func keepAliveOnTicker() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let loop = EmbeddedEventLoop()
        let ticker = SessionTicker(eventLoop: loop)
        let session = try SessionHarness(fixture: fixture, loop: loop, ticker: ticker)
        _ = try session.connect("dev1", keepAlive: 10)
        #expect(ticker.count == 1)
        session.loop.advanceTime(by: .seconds(14))
        try session.send(.pingreq)
        #expect(try session.received() == [.pingresp])
        session.loop.advanceTime(by: .seconds(15))
        #expect(session.isOpen)
        session.loop.advanceTime(by: .seconds(2))
        #expect(!session.isOpen)
        #expect(ticker.count == 0)
    }

    @Test("on the loop's shared tick: a C2D message whose lock expired without a PUBACK closes the connection, which leaves the tick")
    func cloudToDeviceLockExpiryOnTicker() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let loop = EmbeddedEventLoop()
        let ticker = SessionTicker(eventLoop: loop)
        let session = try SessionHarness(fixture: fixture, loop: loop, ticker: ticker)
        _ = try session.connect("dev1")
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: Array("hello".utf8), properties: [], ttlSeconds: nil)
        let afterSubscribe = try session.subscribe([CoreFixture.c2dFilter("dev1")])
        guard case .publish = afterSubscribe.last else { Issue.record("no C2D publish"); return }
        fixture.clock.advance(61)
        session.loop.advanceTime(by: .seconds(1))
        #expect(try session.received().isEmpty)
        #expect(!session.isOpen)
        #expect(ticker.count == 0)
        #expect(try fixture.store.queued(hub: "myhub", device: "dev1").map(\.deliveryCount) == [1])
    }

    @Test("sessions sharing a tick: each keeps its own keep-alive; one that closes leaves, the others tick on")
    func sessionsShareATicker() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        try fixture.device("dev2")
        let loop = EmbeddedEventLoop()
        let ticker = SessionTicker(eventLoop: loop)
        let short = try SessionHarness(fixture: fixture, loop: loop, ticker: ticker)
        let long = try SessionHarness(fixture: fixture, loop: loop, ticker: ticker)
        _ = try short.connect("dev1", keepAlive: 10)
        _ = try long.connect("dev2", keepAlive: 20)
        #expect(ticker.count == 2)
        loop.advanceTime(by: .seconds(16))
        #expect(!short.isOpen && long.isOpen)
        #expect(ticker.count == 1)
        loop.advanceTime(by: .seconds(15))
        #expect(!long.isOpen)
        #expect(ticker.count == 0)
    }
}
