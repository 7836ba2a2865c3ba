/// Encodes packets to their wire bytes.
extension MQTTPacket {
    public func encoded() -> [UInt8] {
        var body = ByteWriter()
        var flags: UInt8 = 0
        switch self {
        case .connect(let connect):
            body.string(connect.protocolName)
            body.byte(connect.protocolLevel)
            var connectFlags: UInt8 = 0
            if connect.cleanSession { connectFlags |= 0x02 }
            if let will = connect.will {
                connectFlags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0)
            }
            if connect.password != nil { connectFlags |= 0x40 }
            if connect.username != nil { connectFlags |= 0x80 }
            body.byte(connectFlags)
            body.uint16(connect.keepAlive)
            body.string(connect.clientID)
            if let will = connect.will {
                body.string(will.topic)
                body.binary(will.payload)
            }
            if let username = connect.username { body.string(username) }
            if let password = connect.password { body.binary(password) }
        case .connack(let sessionPresent, let returnCode):
            body.byte(sessionPresent ? 1 : 0)
            body.byte(returnCode.rawValue)
        case .publish(let publish):
            flags = (publish.duplicate ? 0x08 : 0) | (publish.qos.rawValue << 1) | (publish.retain ? 0x01 : 0)
            body.string(publish.topic)
            if let packetID = publish.packetID { body.uint16(packetID) }
            body.bytes.append(contentsOf: publish.payload)
        case .puback(let packetID), .pubrec(let packetID), .pubcomp(let packetID), .unsuback(let packetID):
            body.uint16(packetID)
        case .pubrel(let packetID):
            flags = 0x02
            body.uint16(packetID)
        case .subscribe(let packetID, let subscriptions):
            flags = 0x02
            body.uint16(packetID)
            for subscription in subscriptions {
                body.string(subscription.topicFilter)
                body.byte(subscription.qos.rawValue)
            }
        case .suback(let packetID, let returnCodes):
            body.uint16(packetID)
            body.bytes.append(contentsOf: returnCodes)
        case .unsubscribe(let packetID, let topicFilters):
            flags = 0x02
            body.uint16(packetID)
            for filter in topicFilters { body.string(filter) }
        case .pingreq, .pingresp, .disconnect:
            break
        }
        var packet: [UInt8] = [self.type.rawValue << 4 | flags]
        var length = body.bytes.count
        repeat {
            var digit = UInt8(length % 128)
            length /= 128
            if length > 0 { digit |= 0x80 }
            packet.append(digit)
        } while length > 0
        return packet + body.bytes
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { self.bytes.append(value) }

    mutating func uint16(_ value: UInt16) {
        self.bytes.append(UInt8(value >> 8))
        self.bytes.append(UInt8(value & 0xFF))
    }

    mutating func binary(_ data: [UInt8]) {
        self.uint16(UInt16(data.count))
        self.bytes.append(contentsOf: data)
    }

    mutating func string(_ text: String) { self.binary(Array(text.utf8)) }
}
