import Testing
@testable import MQTTCodec

/// Seeded random and mutated packets: the decoder never traps, and whatever it accepts re-encodes to a packet that
/// decodes to the same value.
@Suite("MQTT codec fuzz")
struct FuzzTests {
    /// SplitMix64, so the corpus is the same on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [MQTTPacket] = [
        .connect(Connect(cleanSession: false, keepAlive: 60, clientID: "dev1", username: "hub/dev1/?api-version=2021-04-12", password: Array("SharedAccessSignature sr=x".utf8))),
        .connect(Connect(cleanSession: true, keepAlive: 0, clientID: "", will: Will(topic: "w", payload: [1, 2], qos: .exactlyOnce, retain: true), username: "u")),
        .publish(Publish(topic: "devices/dev1/messages/events/a=b&%24.ct=application%2Fjson", payload: Array("{\"t\":1}".utf8), qos: .atLeastOnce, packetID: 7)),
        .publish(Publish(topic: "$iothub/twin/PATCH/properties/reported/?$rid=3", payload: Array("{}".utf8))),
        .subscribe(packetID: 3, subscriptions: [Subscription(topicFilter: "$iothub/methods/POST/#", qos: .atMostOnce), Subscription(topicFilter: "devices/+/messages/devicebound/#", qos: .atLeastOnce)]),
        .suback(packetID: 3, returnCodes: [0, 1, 0x80]),
        .unsubscribe(packetID: 4, topicFilters: ["$iothub/twin/res/#"]),
        .connack(sessionPresent: true, returnCode: .accepted), .puback(packetID: 9), .pubrel(packetID: 9), .pingreq, .disconnect,
    ]

    @Test("100,000 random and mutated packets")
    func fuzz() {
        var rng = Generator(state: 0x4D51_5454)
        let decoder = MQTTDecoder(maximumRemainingLength: 262_144)
        let encodedSeeds = Self.seeds.map { $0.encoded() }
        var accepted = 0
        for round in 0..<100_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if !bytes.isEmpty, round % 4 == 0 { bytes[0] = UInt8.random(in: 1...14, using: &rng) << 4 }
            } else {
                bytes = encodedSeeds[Int.random(in: 0..<encodedSeeds.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    case 1 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
                    case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
                    default: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                    }
                }
            }
            do {
                guard let (packet, length) = try decoder.decode(bytes[...]) else { continue }
                accepted += 1
                let again = try decoder.decode(packet.encoded()[...])
                #expect(again?.packet == packet, "round \(round): \(bytes[..<length])")
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(accepted > 1_000)
    }
}
