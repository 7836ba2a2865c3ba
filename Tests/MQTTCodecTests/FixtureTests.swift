import Testing
@testable import MQTTCodec

/// Byte fixtures written from the MQTT 3.1.1 specification's layouts.
@Suite("MQTT codec byte fixtures")
struct FixtureTests {
    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    let decoder = MQTTDecoder()

    func decodeWhole(_ bytes: [UInt8]) throws -> MQTTPacket {
        let decoded = try #require(try self.decoder.decode(bytes[...]))
        #expect(decoded.length == bytes.count)
        return decoded.packet
    }

    @Test("CONNECT as azure-iot-device sends it: persistent session, user name and SAS password")
    func connect() throws {
        // 10 | 31 | "MQTT" | level 4 | flags C0 | keep-alive 60 | "dev1" | "h/dev1/?api-version=2021-04-12" | "sas"
        let bytes = Self.hex(
            "10 35 00 04 4D 51 54 54 04 C0 00 3C 00 04 64 65 76 31 00 1E 68 2F 64 65 76 31 2F 3F 61 70 69 2D 76 65 72 73 69 6F 6E 3D 32 30 32 31 2D 30 34 2D 31 32 00 03 73 61 73")
        let expected = MQTTPacket.connect(
            Connect(cleanSession: false, keepAlive: 60, clientID: "dev1", username: "h/dev1/?api-version=2021-04-12", password: Array("sas".utf8)))
        #expect(try self.decodeWhole(bytes) == expected)
        #expect(expected.encoded() == bytes)
    }

    @Test("CONNECT with a will and clean session (the specification's example flags 0xCE)")
    func connectWithWill() throws {
        let bytes = Self.hex("10 1A 00 04 4D 51 54 54 04 CE 00 0A 00 01 63 00 01 74 00 01 70 00 01 75 00 02 70 77")
        let packet = try self.decodeWhole(bytes)
        guard case .connect(let connect) = packet else {
            Issue.record("not a CONNECT")
            return
        }
        #expect(connect.cleanSession && connect.keepAlive == 10 && connect.clientID == "c")
        #expect(connect.will == Will(topic: "t", payload: Array("p".utf8), qos: .atLeastOnce, retain: false))
        #expect(connect.username == "u" && connect.password == Array("pw".utf8))
        #expect(packet.encoded() == bytes)
    }

    @Test("PUBLISH QoS 1 with a packet identifier, and QoS 0 without")
    func publish() throws {
        let qos1 = Self.hex("32 0A 00 03 61 2F 62 00 0A 68 69 21")
        #expect(try self.decodeWhole(qos1) == .publish(Publish(topic: "a/b", payload: Array("hi!".utf8), qos: .atLeastOnce, packetID: 10)))
        let qos0 = Self.hex("31 07 00 03 61 2F 62 78 79")
        #expect(try self.decodeWhole(qos0) == .publish(Publish(topic: "a/b", payload: Array("xy".utf8), retain: true)))
        #expect(MQTTPacket.publish(Publish(topic: "a/b", payload: Array("hi!".utf8), qos: .atLeastOnce, packetID: 10)).encoded() == qos1)
    }

    @Test("SUBSCRIBE to the IoT Hub C2D wildcard, SUBACK, UNSUBSCRIBE, UNSUBACK")
    func subscribe() throws {
        let filter = "devices/d/messages/devicebound/#"
        let subscribe = [0x82, 0x25, 0x00, 0x01, 0x00, 0x20] + Array(filter.utf8) + [0x01]
        #expect(try self.decodeWhole(subscribe) == .subscribe(packetID: 1, subscriptions: [Subscription(topicFilter: filter, qos: .atLeastOnce)]))
        #expect(try self.decodeWhole(Self.hex("90 03 00 01 01")) == .suback(packetID: 1, returnCodes: [1]))
        #expect(try self.decodeWhole(Self.hex("A2 05 00 02 00 01 23")) == .unsubscribe(packetID: 2, topicFilters: ["#"]))
        #expect(try self.decodeWhole(Self.hex("B0 02 00 02")) == .unsuback(packetID: 2))
    }

    @Test("two-byte packets and the empty ones")
    func smallPackets() throws {
        #expect(try self.decodeWhole(Self.hex("20 02 01 00")) == .connack(sessionPresent: true, returnCode: .accepted))
        #expect(try self.decodeWhole(Self.hex("20 02 00 05")) == .connack(sessionPresent: false, returnCode: .notAuthorized))
        #expect(try self.decodeWhole(Self.hex("40 02 12 34")) == .puback(packetID: 0x1234))
        #expect(try self.decodeWhole(Self.hex("62 02 00 07")) == .pubrel(packetID: 7))
        #expect(try self.decodeWhole(Self.hex("C0 00")) == .pingreq)
        #expect(try self.decodeWhole(Self.hex("D0 00")) == .pingresp)
        #expect(try self.decodeWhole(Self.hex("E0 00")) == .disconnect)
    }

    @Test("a four-byte remaining length, and a packet over the maximum is refused from its header")
    func remainingLength() throws {
        let payload = [UInt8](repeating: 0x41, count: 2_097_152)
        let packet = MQTTPacket.publish(Publish(topic: "t", payload: payload))
        let bytes = packet.encoded()
        #expect(Array(bytes[1...4]) == [0x83, 0x80, 0x80, 0x01])
        #expect(try self.decodeWhole(bytes) == packet)
        let small = MQTTDecoder(maximumRemainingLength: 262_144)
        #expect(throws: MQTTDecodeError(packetType: .publish, offset: 1, reason: "remaining length 2097155 exceeds the maximum of 262144")) {
            _ = try small.decode(bytes[0..<5])
        }
    }

    @Test("every proper prefix of a packet asks for more bytes")
    func prefixes() throws {
        let bytes = MQTTPacket.connect(Connect(cleanSession: true, keepAlive: 5, clientID: "x", username: "u")).encoded()
        for end in 0..<bytes.count {
            #expect(try self.decoder.decode(bytes[0..<end]) == nil)
        }
    }

    static let malformed: [(String, String, String)] = [
        ("00 00", "malformed packet at byte 0: reserved packet type 0", "reserved type 0"),
        ("F0 00", "malformed packet at byte 0: reserved packet type 15", "reserved type 15"),
        ("80 05 00 01 00 01 61", "malformed SUBSCRIBE at byte 0: fixed header flags 0x0 instead of 0x2", "SUBSCRIBE flags"),
        ("C1 00", "malformed PINGREQ at byte 0: fixed header flags 0x1 instead of 0x0", "PINGREQ flags"),
        ("36 05 00 01 61 00 01", "malformed PUBLISH at byte 0: QoS 3", "QoS 3"),
        ("38 03 00 01 61", "malformed PUBLISH at byte 0: DUP set on a QoS 0 message", "DUP on QoS 0"),
        ("30 FF FF FF FF 01", "malformed PUBLISH at byte 5: remaining length longer than 4 bytes", "5-byte length"),
        ("10 0D 00 04 4D 51 54 54 04 01 00 3C 00 01 63", "malformed CONNECT at byte 9: reserved CONNECT flag set", "reserved flag"),
        ("10 0D 00 04 4D 51 54 54 04 40 00 3C 00 01 63", "malformed CONNECT at byte 9: password flag set without a user name", "password alone"),
        ("10 0D 00 04 4D 51 54 54 04 1C 00 3C 00 01 63", "malformed CONNECT at byte 9: will QoS 3", "will QoS 3"),
        ("10 0D 00 04 4D 51 54 54 04 20 00 3C 00 01 63", "malformed CONNECT at byte 9: will QoS or retain set without a will", "retain without will"),
        ("30 05 00 02 C3 28 41", "malformed PUBLISH at byte 2: a string is not well-formed UTF-8", "bad UTF-8"),
        ("30 05 00 02 61 00 41", "malformed PUBLISH at byte 2: a string contains U+0000", "NUL in string"),
        ("30 05 00 03 61 2F 2B", "malformed PUBLISH at byte 2: wildcard in the topic name 'a/+'", "wildcard topic"),
        ("32 05 00 01 61 00 00", "malformed PUBLISH at byte 5: packet identifier 0", "packet id 0"),
        ("82 02 00 01", "malformed SUBSCRIBE at byte 4: SUBSCRIBE without a topic filter", "no filter"),
        ("82 06 00 01 00 01 61 03", "malformed SUBSCRIBE at byte 7: requested QoS byte 0x3 is not 0, 1 or 2", "bad requested QoS"),
        ("82 08 00 01 00 03 23 2F 61 00", "malformed SUBSCRIBE at byte 4: '#' must be a whole last level in '#/a'", "misplaced #"),
        ("82 07 00 01 00 02 61 2B 00", "malformed SUBSCRIBE at byte 4: '+' must be a whole level in 'a+'", "partial +"),
        ("20 03 00 00 00", "malformed CONNACK at byte 4: 1 unexpected bytes at the end", "trailing bytes"),
        ("20 02 02 00", "malformed CONNACK at byte 2: reserved CONNACK flag bits set", "CONNACK flags"),
        ("40 01 00", "malformed PUBACK at byte 2: packet ends inside a field", "short PUBACK"),
        ("32 03 00 05 61", "malformed PUBLISH at byte 2: a 5-byte field runs past the packet", "string past the end"),
    ]

    @Test("malformed packets name what was wrong and where", arguments: FixtureTests.malformed.map(\.2))
    func malformedPacket(_ name: String) throws {
        let (hex, message, _) = try #require(Self.malformed.first { $0.2 == name })
        do {
            _ = try self.decoder.decode(Self.hex(hex)[...])
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description == message)
        }
    }
}
