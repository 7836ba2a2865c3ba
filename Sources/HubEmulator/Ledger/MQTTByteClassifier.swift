/// Sorts one direction of an MQTT 3.1.1 byte stream (the TLS plaintext) into what the traffic ledger reports:
/// PUBLISH payload bytes, PINGREQ/PINGRESP bytes (keep-alive), and the rest (control: fixed headers, variable headers,
/// every other packet), and counts packets by type. It reads only headers (MQTT 3.1.1 §2.2, §3.3.2): the fixed
/// header, the remaining length, a PUBLISH's topic length and packet identifier; bodies are skipped, not copied.
/// Bytes can be fed as they come; a packet may span reads. A stream that is not MQTT (a remaining length over four
/// bytes) stops the sorting: what follows counts as control. The session closes such a connection anyway.
struct MQTTByteClassifier {
    /// Every byte fed.
    private(set) var total = 0
    private(set) var payload = 0
    private(set) var keepAlive = 0
    /// PINGREQ and PINGRESP packets.
    private(set) var pings = 0
    /// Packets by type (the fixed header's high nibble), counted when their fixed header is complete.
    private(set) var packets = InlineArray<16, Int>(repeating: 0)

    private enum State {
        case fixedHeader
        case length(type: UInt8, flags: UInt8, shift: Int, value: Int, headerBytes: Int)
        /// Body bytes that are not payload (another packet's body; a PUBLISH's topic and packet identifier).
        case skip(remaining: Int)
        /// A PUBLISH's topic length: `got` of its two bytes read.
        case topicLength(got: Int, value: Int, remaining: Int, packetID: Bool)
        case publishHeader(header: Int, payload: Int)
        case payload(remaining: Int)
        case unframed
    }

    private var state = State.fixedHeader

    static let names = [
        "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
        "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "RESERVED15",
    ]

    /// The control bytes: what is neither payload nor keep-alive.
    var control: Int { self.total - self.payload - self.keepAlive }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        self.total += count
        var index = 0
        while index < count {
            switch self.state {
            case .unframed:
                return
            case .fixedHeader:
                let byte = bytes[index]
                index += 1
                self.state = .length(type: byte >> 4, flags: byte & 0x0F, shift: 0, value: 0, headerBytes: 1)
            case .length(let type, let flags, let shift, let value, let headerBytes):
                let byte = bytes[index]
                index += 1
                let length = value | Int(byte & 0x7F) << shift
                if byte & 0x80 != 0 {
                    guard shift < 21 else {
                        self.state = .unframed
                        return
                    }
                    self.state = .length(type: type, flags: flags, shift: shift + 7, value: length, headerBytes: headerBytes + 1)
                    continue
                }
                self.begin(type: type, flags: flags, remaining: length, headerBytes: headerBytes + 1)
            case .skip(let remaining):
                let take = min(remaining, count - index)
                index += take
                self.state = remaining == take ? .fixedHeader : .skip(remaining: remaining - take)
            case .topicLength(let got, let value, let remaining, let packetID):
                let topic = value << 8 | Int(bytes[index])
                index += 1
                if got == 0 {
                    self.state = .topicLength(got: 1, value: topic, remaining: remaining, packetID: packetID)
                    continue
                }
                let header = min(remaining - 2, topic + (packetID ? 2 : 0))
                self.state = .publishHeader(header: header, payload: remaining - 2 - header)
                if header == 0 { self.startPayload(remaining - 2) }
            case .publishHeader(let header, let payload):
                let take = min(header, count - index)
                index += take
                if take == header {
                    self.startPayload(payload)
                } else {
                    self.state = .publishHeader(header: header - take, payload: payload)
                }
            case .payload(let remaining):
                let take = min(remaining, count - index)
                index += take
                self.payload += take
                self.state = remaining == take ? .fixedHeader : .payload(remaining: remaining - take)
            }
        }
    }

    private mutating func begin(type: UInt8, flags: UInt8, remaining: Int, headerBytes: Int) {
        self.packets[Int(type)] += 1
        if type == 12 || type == 13 {  // PINGREQ, PINGRESP
            self.pings += 1
            self.keepAlive += headerBytes + remaining
            // Its body (there is none in a well-formed one) is keep-alive too, counted here and skipped.
            self.state = remaining == 0 ? .fixedHeader : .skip(remaining: remaining)
            return
        }
        if type == 3, remaining >= 2 {  // PUBLISH: topic length first
            self.state = .topicLength(got: 0, value: 0, remaining: remaining, packetID: (flags >> 1) & 0x03 != 0)
        } else {
            self.state = remaining == 0 ? .fixedHeader : .skip(remaining: remaining)
        }
    }

    private mutating func startPayload(_ length: Int) {
        self.state = length == 0 ? .fixedHeader : .payload(remaining: length)
    }
}
