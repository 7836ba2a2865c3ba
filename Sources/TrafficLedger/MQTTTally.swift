/// What one direction of a connection carried at the MQTT level, from libmosquitto's own reports.
public struct MQTTTally: Sendable, Equatable, Codable {
    /// Packets by type.
    public var packets: [String: Int] = [:]
    /// Application payload of PUBLISH packets.
    public var payloadBytes = 0
    /// PINGREQ or PINGRESP packets.
    public var keepAlivePackets = 0

    public init() {}

    public mutating func record(_ event: MosquittoLogEvent) {
        self.packets[event.packet, default: 0] += 1
        self.payloadBytes += event.payloadBytes
        if event.isKeepAlive { self.keepAlivePackets += 1 }
    }
}

/// One direction's bytes by what they were for. The parts add up to ``total``, the bytes that crossed the wire.
public struct ByteSplit: Sendable, Equatable, Codable {
    public var tlsHandshake = 0
    /// Record headers and AEAD nonces and tags of application data, alerts, and bytes in no whole record.
    public var tlsRecords = 0
    /// MQTT bytes other than PUBLISH payloads and the keep-alive.
    public var mqttControl = 0
    public var mqttPayload = 0
    /// PINGREQ/PINGRESP with the TLS records that carry them.
    public var keepAlive = 0
    public var total = 0

    public init() {}

    /// An MQTT packet of the keep-alive: its fixed header only (MQTT 3.1.1 §3.12, §3.13).
    public static let keepAlivePacketBytes = 2

    /// The split of one direction: TLS from `wire`, MQTT from `mqtt`, with `overhead` (``TLSRecordScanner/protectionOverhead(suite:)``)
    /// bytes of each application record that are not plaintext; 0 when unknown. libmosquitto writes each packet with
    /// one `SSL_write()`, so each keep-alive packet is one record of its own.
    public init(wire: WireTally, mqtt: MQTTTally, overhead: Int) {
        let header = TLSRecordScanner.Record.headerLength
        let plaintext = max(0, wire.applicationBytes - wire.applicationRecords * (header + overhead))
        let pingRecords = min(mqtt.keepAlivePackets, wire.applicationRecords)
        self.tlsHandshake = wire.handshakeBytes
        self.keepAlive = min(pingRecords * (header + overhead + Self.keepAlivePacketBytes), wire.applicationBytes)
        self.mqttPayload = min(mqtt.payloadBytes, plaintext)
        self.mqttControl = max(0, plaintext - self.mqttPayload - pingRecords * Self.keepAlivePacketBytes)
        self.total = wire.bytes
        self.tlsRecords = self.total - self.tlsHandshake - self.keepAlive - self.mqttPayload - self.mqttControl
    }

    public static func + (a: ByteSplit, b: ByteSplit) -> ByteSplit {
        var sum = ByteSplit()
        sum.tlsHandshake = a.tlsHandshake + b.tlsHandshake
        sum.tlsRecords = a.tlsRecords + b.tlsRecords
        sum.mqttControl = a.mqttControl + b.mqttControl
        sum.mqttPayload = a.mqttPayload + b.mqttPayload
        sum.keepAlive = a.keepAlive + b.keepAlive
        sum.total = a.total + b.total
        return sum
    }
}
