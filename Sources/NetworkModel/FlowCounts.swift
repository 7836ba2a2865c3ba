import TrafficLedger

/// One connection through a device's relay, for a byte ledger.
public struct FlowCounts: Sendable, Equatable {
    /// In order of acceptance, per device, from 1.
    public var id: Int
    /// Where the relay forwards it ("host:port").
    public var target: String
    /// Device → cloud bytes that passed.
    public var uplinkBytes: Int
    /// Cloud → device bytes that reached the device.
    public var downlinkBytes: Int
    /// Bytes waiting for coverage (either way).
    public var heldBytes: Int
    /// How it ended; nil while open.
    public var ended: FlowEnd?
    /// The TLS records each way (of the bytes counted above), and the MQTT packets libmosquitto reported on it.
    public var upWire = WireTally()
    public var downWire = WireTally()
    public var upMQTT = MQTTTally()
    public var downMQTT = MQTTTally()

    public init(id: Int, target: String, uplinkBytes: Int, downlinkBytes: Int, heldBytes: Int, ended: FlowEnd?) {
        (self.id, self.target, self.uplinkBytes, self.downlinkBytes, self.heldBytes, self.ended) = (id, target, uplinkBytes, downlinkBytes, heldBytes, ended)
    }

    /// The connection's entry in a device's ledger.
    public func ledger(model: IPOverheadModel) -> ConnectionLedger {
        ConnectionLedger(
            id: self.id, target: self.target, ended: self.ended?.rawValue, upWire: self.upWire, downWire: self.downWire,
            upMQTT: self.upMQTT, downMQTT: self.downMQTT, model: model)
    }
}

/// Why a relayed connection ended.
public enum FlowEnd: String, Sendable, Equatable {
    /// One side closed it.
    case closed
    /// The carrier NAT had forgotten it; the device's next bytes got a reset.
    case natExpired = "nat-expired"
    /// Bytes for the device met no bearer (LTE off): the stream lost them and the connection is reset.
    case bearerLost = "bearer-lost"
    /// The cloud side could not be reached.
    case upstreamFailed = "upstream-failed"
}
