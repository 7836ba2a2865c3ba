import JSON
import TrafficLedger

/// One direction of a connection's wire bytes, by what they carried: the ledger's split that the device side uses
/// too. The categories sum to `total`, the bytes the socket saw: `tlsRecords` is what is left when the others are
/// taken (record headers and AEAD overhead of application-data records, alerts, post-handshake messages, a record
/// still arriving). `tlsHandshake` is every record before the first application-data record of this direction
/// (ClientHello or ServerHello through Finished, TLS 1.3's encrypted handshake records, the server's session tickets).
public typealias DirectionTraffic = ByteSplit

extension ByteSplit {
    var json: JSONValue {
        .object(JSONObject([
            ("tlsHandshake", .integer(Int64(self.tlsHandshake))), ("tlsRecords", .integer(Int64(self.tlsRecords))),
            ("mqttControl", .integer(Int64(self.mqttControl))), ("mqttPayload", .integer(Int64(self.mqttPayload))),
            ("keepAlive", .integer(Int64(self.keepAlive))), ("total", .integer(Int64(self.total))),
        ]))
    }
}

/// A connection's traffic, or a device's over its connections: both directions, TLS handshakes, MQTT packets.
public struct TrafficCounts: Sendable, Equatable {
    /// Device to hub.
    public var up = DirectionTraffic()
    /// Hub to device.
    public var down = DirectionTraffic()
    public var handshakes = 0
    /// MQTT packets of both directions by type name (`PUBLISH`, `PINGREQ`, …).
    public var packets: [String: Int] = [:]

    public init() {}

    static func + (lhs: Self, rhs: Self) -> Self {
        var sum = lhs
        sum.up = lhs.up + rhs.up
        sum.down = lhs.down + rhs.down
        sum.handshakes += rhs.handshakes
        sum.packets.merge(rhs.packets, uniquingKeysWith: +)
        return sum
    }
}

/// A device's ledger: what its connections since the hub started cost on the wire.
public struct DeviceTraffic: Sendable, Equatable {
    public var hub: String
    public var deviceID: String
    public var connections: Int
    public var counts: TrafficCounts

    /// `{"deviceId", "connections", "handshakes", "up": {…}, "down": {…}, "packets": {"PUBLISH": n, …}}`.
    public var json: JSONValue {
        .object(JSONObject([
            ("deviceId", .string(self.deviceID)), ("connections", .integer(Int64(self.connections))),
            ("handshakes", .integer(Int64(self.counts.handshakes))), ("up", self.counts.up.json), ("down", self.counts.down.json),
            ("packets", .object(JSONObject(self.counts.packets.keys.sorted().map { ($0, .integer(Int64(self.counts.packets[$0]!))) }))),
        ]))
    }
}

/// A ``TrafficMeter``'s numbers, which ``counts`` turns into the ledger's categories.
struct TrafficReading: Sendable {
    var upWire = 0
    var upHandshake = 0
    var upPlaintext = 0
    var upPayload = 0
    var upKeepAlive = 0
    var upPings = 0
    /// The header and AEAD overhead of one application-data record up (0 before the first).
    var upRecordOverhead = 0
    var downWire = 0
    var downHandshake = 0
    var downPlaintext = 0
    var downPayload = 0
    var downKeepAlive = 0
    /// The header and AEAD overhead of the records that carried PINGRESPs alone.
    var downKeepAliveOverhead = 0
    var handshakes = 0
    var packets = InlineArray<16, Int>(repeating: 0)

    /// The categories. Up, a PINGREQ is charged the header and AEAD overhead of one record (the clients send it
    /// alone).
    var counts: TrafficCounts {
        var counts = TrafficCounts()
        counts.up = Self.direction(
            wire: self.upWire, handshake: self.upHandshake, plaintext: self.upPlaintext, payload: self.upPayload,
            pings: self.upKeepAlive, keepAlive: self.upKeepAlive + self.upPings * self.upRecordOverhead)
        counts.down = Self.direction(
            wire: self.downWire, handshake: self.downHandshake, plaintext: self.downPlaintext, payload: self.downPayload,
            pings: self.downKeepAlive, keepAlive: self.downKeepAlive + self.downKeepAliveOverhead)
        counts.handshakes = self.handshakes
        for type in 0..<16 where self.packets[type] > 0 { counts.packets[MQTTByteClassifier.names[type]] = self.packets[type] }
        return counts
    }

    /// `pings`: the keep-alive packets' plaintext bytes; `keepAlive`: those with their records' overhead.
    private static func direction(wire: Int, handshake: Int, plaintext: Int, payload: Int, pings: Int, keepAlive: Int) -> DirectionTraffic {
        var traffic = DirectionTraffic()
        traffic.total = wire
        traffic.tlsHandshake = handshake
        traffic.mqttPayload = payload
        traffic.mqttControl = plaintext - payload - pings
        traffic.keepAlive = keepAlive
        traffic.tlsRecords = wire - handshake - traffic.mqttControl - payload - keepAlive
        return traffic
    }
}
