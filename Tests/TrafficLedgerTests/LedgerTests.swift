import Foundation
import Testing

@testable import TrafficLedger

@Suite struct LedgerTests {
    /// An uplink of one TLS 1.2 AES-GCM connection: 600 handshake bytes, a CONNECT of 300 plaintext bytes, a
    /// PUBLISH of 100 payload bytes in 150 plaintext bytes, two PINGREQs.
    static func uplink() -> (WireTally, MQTTTally) {
        var wire = WireTally()
        wire.handshakeBytes = 600
        wire.handshakeRecords = 3
        wire.applicationRecords = 4
        wire.applicationBytes = (300 + 29) + (150 + 29) + 2 * (2 + 29)
        wire.bytes = wire.handshakeBytes + wire.applicationBytes + 31  // and a close_notify alert
        wire.alertBytes = 31
        var mqtt = MQTTTally()
        mqtt.record(MosquittoLogEvent(direction: .sent, packet: "CONNECT"))
        mqtt.record(MosquittoLogEvent(direction: .sent, packet: "PUBLISH", payloadBytes: 100))
        mqtt.record(MosquittoLogEvent(direction: .sent, packet: "PINGREQ"))
        mqtt.record(MosquittoLogEvent(direction: .sent, packet: "PINGREQ"))
        return (wire, mqtt)
    }

    @Test func theSplitAddsUpToTheWire() {
        let (wire, mqtt) = Self.uplink()
        let split = ByteSplit(wire: wire, mqtt: mqtt, overhead: 24)
        #expect(split.tlsHandshake == 600)
        #expect(split.mqttPayload == 100)
        #expect(split.keepAlive == 2 * 31)
        #expect(split.mqttControl == 300 + 50)
        #expect(split.tlsRecords == 2 * 29 + 31)
        #expect(split.tlsHandshake + split.tlsRecords + split.mqttControl + split.mqttPayload + split.keepAlive == split.total)
        #expect(split.total == wire.bytes)
    }

    @Test func aStreamThatIsNotTLSStillAddsUp() {
        var wire = WireTally()
        wire.bytes = 1000
        let split = ByteSplit(wire: wire, mqtt: MQTTTally(), overhead: 24)
        #expect(split.total == 1000)
        #expect(split.tlsRecords == 1000)
    }

    @Test func ipHeadersFollowTheSegments() {
        let model = IPOverheadModel(mtu: 1280)
        #expect(model.maximumSegmentSize == 1240)
        // 10 segments sent, 7 received (4 delayed ACKs), SYN + ACK, FIN + ACK.
        #expect(model.headerBytes(sent: 10, received: 7, device: true, closed: true) == (10 + 4 + 2 + 2) * 40)
        #expect(model.headerBytes(sent: 7, received: 10, device: false, closed: false) == (7 + 5 + 1) * 40)
    }

    @Test func energyFromTheRadioStates() {
        var time = RadioTime()
        time.connectedSeconds = 10
        time.psmSeconds = 3600
        time.periodicTAUs = 2
        let joules = EnergyProfile().joules(for: time)
        // 10 s at 50 mA and 3600 s at 2.7 µA, at 3.7 V; two TAUs at 105 mJ.
        #expect(abs(joules - ((10 * 0.05 + 3600 * 2.7e-6) * 3.7 + 0.21)) < 1e-9)
    }

    static func ledger() -> DeviceLedger {
        let (upWire, upMQTT) = Self.uplink()
        var downWire = WireTally()
        downWire.handshakeBytes = 3000
        downWire.handshakeRecords = 4
        downWire.applicationRecords = 3
        downWire.applicationBytes = (4 + 29) + 2 * (2 + 29)
        downWire.bytes = downWire.handshakeBytes + downWire.applicationBytes
        downWire.segments = 5
        downWire.cipherSuite = 0xC02B
        var downMQTT = MQTTTally()
        downMQTT.record(MosquittoLogEvent(direction: .received, packet: "CONNACK"))
        downMQTT.record(MosquittoLogEvent(direction: .received, packet: "PINGRESP"))
        downMQTT.record(MosquittoLogEvent(direction: .received, packet: "PINGRESP"))
        var up = upWire
        up.segments = 8
        let connection = ConnectionLedger(
            id: 1, target: "hub.example:8883", ended: "closed", upWire: up, downWire: downWire, upMQTT: upMQTT, downMQTT: downMQTT,
            model: IPOverheadModel())
        var radio = RadioTime()
        radio.connectedSeconds = 42
        radio.idleSeconds = 30
        radio.psmSeconds = 3528
        radio.rrcConnections = 3
        radio.periodicTAUs = 1
        return DeviceLedger(simulatedSeconds: 3600, connections: [connection], radio: radio, profile: EnergyProfile())
    }

    @Test func perDayIsTheSameBehaviourForADay() {
        let ledger = Self.ledger()
        #expect(ledger.handshakes == 1)
        #expect(ledger.perDay.handshakes == 24)
        #expect(ledger.perDay.bytesUp == Double(ledger.up.total * 24))
        #expect(abs(ledger.perDay.energyJoules - ledger.energyJoules * 24) < 1e-9)
    }

    @Test func theJSONRoundTrips() throws {
        let ledger = Self.ledger()
        let data = try JSONEncoder().encode(ledger)
        #expect(try JSONDecoder().decode(DeviceLedger.self, from: data) == ledger)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["up"] as? [String: Any])?["mqttPayload"] as? Int == 100)
    }

    @Test func theConsoleSummary() throws {
        let text = LedgerSummary.lines(Self.ledger()).joined(separator: "\n") + "\n"
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/ledger-summary.txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(text == (try String(contentsOf: url, encoding: .utf8)))
    }
}
