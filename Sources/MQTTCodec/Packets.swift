/// MQTT 3.1.1 control packets (OASIS MQTT v3.1.1), as the IoT Hub and DPS emulators and their clients exchange them.
public enum MQTTPacket: Equatable, Sendable {
    case connect(Connect)
    case connack(sessionPresent: Bool, returnCode: ConnectReturnCode)
    case publish(Publish)
    case puback(packetID: UInt16)
    case pubrec(packetID: UInt16)
    case pubrel(packetID: UInt16)
    case pubcomp(packetID: UInt16)
    case subscribe(packetID: UInt16, subscriptions: [Subscription])
    case suback(packetID: UInt16, returnCodes: [UInt8])
    case unsubscribe(packetID: UInt16, topicFilters: [String])
    case unsuback(packetID: UInt16)
    case pingreq
    case pingresp
    case disconnect

    /// The control packet type (the high nibble of the first byte).
    public var type: PacketType {
        switch self {
        case .connect: return .connect
        case .connack: return .connack
        case .publish: return .publish
        case .puback: return .puback
        case .pubrec: return .pubrec
        case .pubrel: return .pubrel
        case .pubcomp: return .pubcomp
        case .subscribe: return .subscribe
        case .suback: return .suback
        case .unsubscribe: return .unsubscribe
        case .unsuback: return .unsuback
        case .pingreq: return .pingreq
        case .pingresp: return .pingresp
        case .disconnect: return .disconnect
        }
    }
}

/// MQTT control packet types 1–14.
public enum PacketType: UInt8, Sendable, CustomStringConvertible {
    case connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe, suback, unsubscribe, unsuback
    case pingreq, pingresp, disconnect

    public var description: String {
        switch self {
        case .connect: return "CONNECT"
        case .connack: return "CONNACK"
        case .publish: return "PUBLISH"
        case .puback: return "PUBACK"
        case .pubrec: return "PUBREC"
        case .pubrel: return "PUBREL"
        case .pubcomp: return "PUBCOMP"
        case .subscribe: return "SUBSCRIBE"
        case .suback: return "SUBACK"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .unsuback: return "UNSUBACK"
        case .pingreq: return "PINGREQ"
        case .pingresp: return "PINGRESP"
        case .disconnect: return "DISCONNECT"
        }
    }
}

/// Quality of service levels 0–2.
public enum QoS: UInt8, Sendable, Comparable {
    case atMostOnce = 0, atLeastOnce = 1, exactlyOnce = 2

    public static func < (a: QoS, b: QoS) -> Bool { a.rawValue < b.rawValue }
}

/// CONNACK return codes (MQTT 3.1.1 §3.2.2.3).
public enum ConnectReturnCode: UInt8, Sendable {
    case accepted = 0
    case unacceptableProtocolVersion = 1
    case identifierRejected = 2
    case serverUnavailable = 3
    case badUserNameOrPassword = 4
    case notAuthorized = 5
}

/// A CONNECT packet's variable header and payload.
public struct Connect: Equatable, Sendable {
    /// "MQTT" for 3.1.1 (level 4); "MQIsdp" for 3.1 (level 3).
    public var protocolName: String
    public var protocolLevel: UInt8
    public var cleanSession: Bool
    /// Seconds; 0 disables keep-alive.
    public var keepAlive: UInt16
    public var clientID: String
    public var will: Will?
    public var username: String?
    public var password: [UInt8]?

    public init(
        protocolName: String = "MQTT", protocolLevel: UInt8 = 4, cleanSession: Bool, keepAlive: UInt16,
        clientID: String, will: Will? = nil, username: String? = nil, password: [UInt8]? = nil
    ) {
        self.protocolName = protocolName
        self.protocolLevel = protocolLevel
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.clientID = clientID
        self.will = will
        self.username = username
        self.password = password
    }
}

/// A CONNECT packet's will message.
public struct Will: Equatable, Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: QoS
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: QoS, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// A PUBLISH packet.
public struct Publish: Equatable, Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: QoS
    public var retain: Bool
    public var duplicate: Bool
    /// Present exactly when `qos` is above 0.
    public var packetID: UInt16?

    public init(
        topic: String, payload: [UInt8], qos: QoS = .atMostOnce, retain: Bool = false, duplicate: Bool = false,
        packetID: UInt16? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.duplicate = duplicate
        self.packetID = packetID
    }
}

/// One topic filter of a SUBSCRIBE packet.
public struct Subscription: Equatable, Sendable {
    public var topicFilter: String
    public var qos: QoS

    public init(topicFilter: String, qos: QoS) {
        self.topicFilter = topicFilter
        self.qos = qos
    }
}
