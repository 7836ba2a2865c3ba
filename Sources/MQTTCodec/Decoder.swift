/// A malformed packet: what was wrong and at which byte of the packet.
public struct MQTTDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var packetType: PacketType?
    public var offset: Int
    public var reason: String

    public init(packetType: PacketType?, offset: Int, reason: String) {
        self.packetType = packetType
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        "malformed \(self.packetType.map(\.description) ?? "packet") at byte \(self.offset): \(self.reason)"
    }
}

/// Decodes MQTT 3.1.1 packets from a byte stream, enforcing the specification's "MUST" rules on their form (a
/// violation is a malformed packet, after which the connection must be closed).
public struct MQTTDecoder: Sendable {
    /// The largest remaining length accepted; a larger packet is rejected as soon as its header is read.
    public var maximumRemainingLength: Int

    public init(maximumRemainingLength: Int = 268_435_455) {
        self.maximumRemainingLength = maximumRemainingLength
    }

    /// Decodes the packet at the start of `bytes`: the packet and how many bytes it took, or nil when more bytes are
    /// needed.
    public func decode(_ bytes: ArraySlice<UInt8>) throws(MQTTDecodeError) -> (packet: MQTTPacket, length: Int)? {
        try self.decode(bytes: bytes)
    }

    /// Decodes from contiguous memory, such as a NIO `ByteBuffer`'s readable bytes (`withUnsafeReadableBytes`).
    /// This is the generic decoder specialized here, in its own module: called from another module with a generic
    /// collection (a `ByteBufferView`), it runs unspecialized, every byte read and every slice going through the
    /// collection's witness table and generic metadata (Swift's OptimizationTips.rst, "Generics").
    public func decode(contiguous bytes: UnsafeRawBufferPointer) throws(MQTTDecodeError) -> (packet: MQTTPacket, length: Int)? {
        try self.decode(bytes: bytes)
    }

    /// Decodes from any contiguous byte collection (e.g. a NIO `ByteBufferView`) without copying it first.
    public func decode<Bytes: RandomAccessCollection>(bytes: Bytes) throws(MQTTDecodeError) -> (packet: MQTTPacket, length: Int)?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard let first = bytes.first else { return nil }
        guard let type = PacketType(rawValue: first >> 4) else {
            throw MQTTDecodeError(packetType: nil, offset: 0, reason: "reserved packet type \(first >> 4)")
        }
        let flags = first & 0x0F
        // Flags are checked from the first byte, before waiting for the rest of the packet.
        let expectedFlags: UInt8 = (type == .pubrel || type == .subscribe || type == .unsubscribe) ? 0x02 : 0x00
        if type != .publish && flags != expectedFlags {
            throw MQTTDecodeError(
                packetType: type, offset: 0,
                reason: "fixed header flags 0x\(String(flags, radix: 16)) instead of 0x\(String(expectedFlags, radix: 16))")
        }
        // Remaining length: 1–4 bytes, 7 bits each.
        var length = 0
        var multiplier = 1
        var index = bytes.startIndex + 1
        while true {
            guard index < bytes.endIndex else { return nil }
            let digit = bytes[index]
            length += Int(digit & 0x7F) * multiplier
            index += 1
            if digit & 0x80 == 0 { break }
            multiplier *= 128
            if multiplier > 128 * 128 * 128 {
                throw MQTTDecodeError(packetType: type, offset: index - bytes.startIndex, reason: "remaining length longer than 4 bytes")
            }
        }
        if length > self.maximumRemainingLength {
            throw MQTTDecodeError(
                packetType: type, offset: 1,
                reason: "remaining length \(length) exceeds the maximum of \(self.maximumRemainingLength)")
        }
        let headerLength = index - bytes.startIndex
        guard bytes.endIndex - index >= length else { return nil }
        var reader = ByteReader<Bytes>(bytes: bytes[index..<(index + length)], type: type, base: headerLength)
        let packet = try Self.body(type: type, flags: flags, reader: &reader)
        return (packet, headerLength + length)
    }

    private static func body<Bytes>(type: PacketType, flags: UInt8, reader: inout ByteReader<Bytes>) throws(MQTTDecodeError) -> MQTTPacket {
        switch type {
        case .connect:
            return .connect(try Self.connect(&reader))
        case .connack:
            let acknowledge = try reader.byte()
            if acknowledge & 0xFE != 0 { throw reader.error(at: reader.offset - 1, "reserved CONNACK flag bits set") }
            let code = try reader.byte()
            guard let returnCode = ConnectReturnCode(rawValue: code) else {
                throw reader.error(at: reader.offset - 1, "unknown return code \(code)")
            }
            try reader.end()
            return .connack(sessionPresent: acknowledge & 1 == 1, returnCode: returnCode)
        case .publish:
            return .publish(try Self.publish(flags: flags, &reader))
        case .puback, .pubrec, .pubrel, .pubcomp, .unsuback:
            let packetID = try reader.packetID()
            try reader.end()
            switch type {
            case .puback: return .puback(packetID: packetID)
            case .pubrec: return .pubrec(packetID: packetID)
            case .pubrel: return .pubrel(packetID: packetID)
            case .pubcomp: return .pubcomp(packetID: packetID)
            default: return .unsuback(packetID: packetID)
            }
        case .subscribe:
            let packetID = try reader.packetID()
            var subscriptions: [Subscription] = []
            while !reader.isAtEnd {
                let filterOffset = reader.offset
                let filter = try reader.string()
                try validateTopicFilter(filter, at: filterOffset, reader: reader)
                let requested = try reader.byte()
                guard requested & 0xFC == 0, let qos = QoS(rawValue: requested) else {
                    throw reader.error(at: reader.offset - 1, "requested QoS byte 0x\(String(requested, radix: 16)) is not 0, 1 or 2")
                }
                subscriptions.append(Subscription(topicFilter: filter, qos: qos))
            }
            if subscriptions.isEmpty { throw reader.error("SUBSCRIBE without a topic filter") }
            return .subscribe(packetID: packetID, subscriptions: subscriptions)
        case .suback:
            let packetID = try reader.packetID()
            var codes: [UInt8] = []
            while !reader.isAtEnd {
                let code = try reader.byte()
                guard [0, 1, 2, 0x80].contains(code) else { throw reader.error(at: reader.offset - 1, "SUBACK return code 0x\(String(code, radix: 16))") }
                codes.append(code)
            }
            if codes.isEmpty { throw reader.error("SUBACK without a return code") }
            return .suback(packetID: packetID, returnCodes: codes)
        case .unsubscribe:
            let packetID = try reader.packetID()
            var filters: [String] = []
            while !reader.isAtEnd {
                let filterOffset = reader.offset
                let filter = try reader.string()
                try validateTopicFilter(filter, at: filterOffset, reader: reader)
                filters.append(filter)
            }
            if filters.isEmpty { throw reader.error("UNSUBSCRIBE without a topic filter") }
            return .unsubscribe(packetID: packetID, topicFilters: filters)
        case .pingreq, .pingresp, .disconnect:
            try reader.end()
            return type == .pingreq ? .pingreq : type == .pingresp ? .pingresp : .disconnect
        }
    }

    private static func connect<Bytes>(_ reader: inout ByteReader<Bytes>) throws(MQTTDecodeError) -> Connect {
        let name = try reader.string()
        let level = try reader.byte()
        let flagsOffset = reader.offset
        let connectFlags = try reader.byte()
        if connectFlags & 0x01 != 0 { throw reader.error(at: flagsOffset, "reserved CONNECT flag set") }
        let keepAlive = try reader.uint16()
        let clientID = try reader.string()
        let willFlag = connectFlags & 0x04 != 0
        let willQoS = (connectFlags >> 3) & 0x03
        let willRetain = connectFlags & 0x20 != 0
        var will: Will?
        if willFlag {
            guard let qos = QoS(rawValue: willQoS) else { throw reader.error(at: flagsOffset, "will QoS 3") }
            let topic = try reader.string()
            if topic.contains("+") || topic.contains("#") { throw reader.error("wildcard in the will topic") }
            will = Will(topic: topic, payload: try reader.binary(), qos: qos, retain: willRetain)
        } else if willQoS != 0 || willRetain {
            throw reader.error(at: flagsOffset, "will QoS or retain set without a will")
        }
        let hasUsername = connectFlags & 0x80 != 0
        let hasPassword = connectFlags & 0x40 != 0
        if hasPassword && !hasUsername { throw reader.error(at: flagsOffset, "password flag set without a user name") }
        let username = hasUsername ? try reader.string() : nil
        let password = hasPassword ? try reader.binary() : nil
        try reader.end()
        return Connect(
            protocolName: name, protocolLevel: level, cleanSession: connectFlags & 0x02 != 0, keepAlive: keepAlive,
            clientID: clientID, will: will, username: username, password: password)
    }

    private static func publish<Bytes>(flags: UInt8, _ reader: inout ByteReader<Bytes>) throws(MQTTDecodeError) -> Publish {
        guard let qos = QoS(rawValue: (flags >> 1) & 0x03) else { throw reader.error(at: 0, "QoS 3") }
        let duplicate = flags & 0x08 != 0
        if duplicate && qos == .atMostOnce { throw reader.error(at: 0, "DUP set on a QoS 0 message") }
        let topicOffset = reader.offset
        let topic = try reader.string()
        if topic.isEmpty { throw reader.error(at: topicOffset, "empty topic name") }
        if topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) {
            throw reader.error(at: topicOffset, "wildcard in the topic name '\(topic)'")
        }
        let packetID = qos == .atMostOnce ? nil : try reader.packetID()
        return Publish(
            topic: topic, payload: reader.rest(), qos: qos, retain: flags & 0x01 != 0, duplicate: duplicate,
            packetID: packetID)
    }

    private static func validateTopicFilter<Bytes>(_ filter: String, at offset: Int, reader: ByteReader<Bytes>) throws(MQTTDecodeError) {
        if filter.isEmpty { throw reader.error(at: offset, "empty topic filter") }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#") && (level != "#" || index != levels.count - 1) {
                throw reader.error(at: offset, "'#' must be a whole last level in '\(filter)'")
            }
            if level.contains("+") && level != "+" {
                throw reader.error(at: offset, "'+' must be a whole level in '\(filter)'")
            }
        }
    }
}

/// Reads fields of one packet's body, with offsets counted from the packet's first byte for error messages.
struct ByteReader<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
    let bytes: Bytes.SubSequence
    let type: PacketType
    let base: Int
    var index: Int

    init(bytes: Bytes.SubSequence, type: PacketType, base: Int) {
        self.bytes = bytes
        self.type = type
        self.base = base
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { self.index >= self.bytes.endIndex }
    var offset: Int { self.base + (self.index - self.bytes.startIndex) }

    func error(_ reason: String) -> MQTTDecodeError { MQTTDecodeError(packetType: self.type, offset: self.offset, reason: reason) }
    func error(at offset: Int, _ reason: String) -> MQTTDecodeError {
        MQTTDecodeError(packetType: self.type, offset: offset, reason: reason)
    }

    mutating func byte() throws(MQTTDecodeError) -> UInt8 {
        guard self.index < self.bytes.endIndex else { throw self.error("packet ends inside a field") }
        defer { self.index += 1 }
        return self.bytes[self.index]
    }

    mutating func uint16() throws(MQTTDecodeError) -> UInt16 {
        guard self.bytes.endIndex - self.index >= 2 else { throw self.error("packet ends inside a field") }
        defer { self.index += 2 }
        return UInt16(self.bytes[self.index]) << 8 | UInt16(self.bytes[self.index + 1])
    }

    mutating func packetID() throws(MQTTDecodeError) -> UInt16 {
        let start = self.offset
        let id = try self.uint16()
        if id == 0 { throw self.error(at: start, "packet identifier 0") }
        return id
    }

    mutating func binary() throws(MQTTDecodeError) -> [UInt8] {
        let start = self.offset
        let count = Int(try self.uint16())
        guard self.bytes.endIndex - self.index >= count else {
            throw self.error(at: start, "a \(count)-byte field runs past the packet")
        }
        defer { self.index += count }
        return Array(self.bytes[self.index..<(self.index + count)])
    }

    /// A UTF-8 encoded string: well-formed, and without U+0000 (MQTT-1.5.3-1, -2). Validated where it lies, without
    /// an intermediate array.
    mutating func string() throws(MQTTDecodeError) -> String {
        let start = self.offset
        let count = Int(try self.uint16())
        guard self.bytes.endIndex - self.index >= count else {
            throw self.error(at: start, "a \(count)-byte field runs past the packet")
        }
        let data = self.bytes[self.index..<(self.index + count)]
        self.index += count
        guard let text = String(validating: data, as: UTF8.self) else {
            throw self.error(at: start, "a string is not well-formed UTF-8")
        }
        if data.contains(0) { throw self.error(at: start, "a string contains U+0000") }
        return text
    }

    mutating func rest() -> [UInt8] {
        defer { self.index = self.bytes.endIndex }
        return Array(self.bytes[self.index...])
    }

    func end() throws(MQTTDecodeError) {
        if !self.isAtEnd { throw self.error("\(self.bytes.endIndex - self.index) unexpected bytes at the end") }
    }
}
