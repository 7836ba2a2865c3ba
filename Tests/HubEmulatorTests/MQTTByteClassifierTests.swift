import MQTTCodec
import Testing
import TrafficLedger

@testable import HubEmulator

@Suite("MQTT bytes sorted into control, payload and keep-alive")
struct MQTTByteClassifierTests {
    static let connect = MQTTPacket.connect(Connect(cleanSession: true, keepAlive: 60, clientID: "dev1", username: "h/dev1/?api-version=2021-04-12"))
    static let telemetry = MQTTPacket.publish(Publish(topic: "devices/dev1/messages/events/a=b", payload: Array(repeating: 0x5A, count: 300), qos: .atLeastOnce, packetID: 9))
    static let c2d = MQTTPacket.publish(Publish(topic: "devices/dev1/messages/devicebound/", payload: Array("hi".utf8)))

    static func classify(_ chunks: [[UInt8]]) -> MQTTByteClassifier {
        var classifier = MQTTByteClassifier()
        for chunk in chunks { chunk.withUnsafeBytes { classifier.feed($0) } }
        return classifier
    }

    @Test("a session's packets: payload is exactly the PUBLISH bodies after topic and packet id, pings are keep-alive")
    func session() {
        let packets: [MQTTPacket] = [Self.connect, Self.telemetry, .pingreq, Self.c2d, .puback(packetID: 9), .pingresp, .disconnect]
        let bytes = packets.flatMap { $0.encoded() }
        let classifier = Self.classify([bytes])
        #expect(classifier.total == bytes.count)
        #expect(classifier.payload == 302)
        #expect(classifier.keepAlive == 4 && classifier.pings == 2)
        #expect(classifier.control == bytes.count - 302 - 4)
        #expect(classifier.packets[1] == 1 && classifier.packets[3] == 2 && classifier.packets[4] == 1 && classifier.packets[12] == 1)
        #expect(classifier.packets[13] == 1 && classifier.packets[14] == 1)
    }

    @Test("the same split across reads at every byte")
    func splitAtEveryByte() {
        let bytes = [Self.telemetry, .pingreq, Self.c2d].flatMap { $0.encoded() }
        let whole = Self.classify([bytes])
        let split = Self.classify(bytes.map { [$0] })
        #expect((split.total, split.payload, split.keepAlive, split.control) == (whole.total, whole.payload, whole.keepAlive, whole.control))
        #expect(split.payload == 302)
    }

    @Test("a large PUBLISH (a two-byte remaining length over 16 KB) and an empty one")
    func sizes() {
        let big = MQTTPacket.publish(Publish(topic: "t", payload: Array(repeating: 1, count: 20_000), qos: .atLeastOnce, packetID: 1))
        let empty = MQTTPacket.publish(Publish(topic: "devices/dev1/messages/events/", payload: []))
        let classifier = Self.classify([big.encoded(), empty.encoded()])
        #expect(classifier.payload == 20_000)
        #expect(classifier.packets[3] == 2)
    }

    @Test("not MQTT (a remaining length over four bytes): sorting stops, the bytes still count as control")
    func unframed() {
        let classifier = Self.classify([[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00], Self.telemetry.encoded()])
        #expect(classifier.payload == 0)
        #expect(classifier.control == classifier.total)
    }
}
