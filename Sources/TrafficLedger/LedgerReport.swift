/// One relayed connection in the ledger.
public struct ConnectionLedger: Sendable, Equatable, Codable {
    public var id: Int
    /// "host:port" it was relayed to.
    public var target: String
    /// How it ended (``nil`` while open): closed, nat-expired, bearer-lost, upstream-failed.
    public var ended: String?
    /// Whether a TLS handshake ran on it (records of a handshake went both ways).
    public var handshake: Bool
    public var up: ByteSplit
    public var down: ByteSplit
    /// IP/TCP header bytes (``IPOverheadModel``), per direction.
    public var ipOverheadUp: Int
    public var ipOverheadDown: Int
    /// Why the relay stopped reading its bytes as TLS records, if it did (its bytes from there are in `tlsRecords`).
    public var framingError: String?

    public init(
        id: Int, target: String, ended: String?, handshake: Bool, up: ByteSplit, down: ByteSplit, ipOverheadUp: Int,
        ipOverheadDown: Int, framingError: String? = nil
    ) {
        (self.id, self.target, self.ended, self.handshake, self.up, self.down) = (id, target, ended, handshake, up, down)
        (self.ipOverheadUp, self.ipOverheadDown, self.framingError) = (ipOverheadUp, ipOverheadDown, framingError)
    }

    /// A connection's ledger from what its relay counted.
    public init(id: Int, target: String, ended: String?, upWire: WireTally, downWire: WireTally, upMQTT: MQTTTally, downMQTT: MQTTTally, model: IPOverheadModel) {
        let overhead = downWire.cipherSuite.flatMap(TLSRecordScanner.protectionOverhead(suite:)) ?? 0
        self.init(
            id: id, target: target, ended: ended, handshake: upWire.handshakeRecords > 0 && downWire.handshakeRecords > 0,
            up: ByteSplit(wire: upWire, mqtt: upMQTT, overhead: overhead), down: ByteSplit(wire: downWire, mqtt: downMQTT, overhead: overhead),
            ipOverheadUp: model.headerBytes(sent: upWire.segments, received: downWire.segments, device: true, closed: ended != nil),
            ipOverheadDown: model.headerBytes(sent: downWire.segments, received: upWire.segments, device: false, closed: ended != nil),
            framingError: upWire.framingError.map { "up: " + $0 } ?? downWire.framingError.map { "down: " + $0 })
    }
}

/// What a device spent: bytes by purpose, handshakes, radio time and the energy they cost.
public struct DeviceLedger: Sendable, Equatable, Codable {
    /// Simulated time the ledger covers (since boot).
    public var simulatedSeconds: Double
    public var connections: [ConnectionLedger]
    public var handshakes: Int
    public var up: ByteSplit
    public var down: ByteSplit
    public var ipOverheadUp: Int
    public var ipOverheadDown: Int
    public var radio: RadioTime
    public var energyJoules: Double
    public var profile: EnergyProfile
    public var perDay: PerDay

    /// The figures scaled to 24 hours of the same behaviour.
    public struct PerDay: Sendable, Equatable, Codable {
        public var bytesUp: Double
        public var bytesDown: Double
        public var ipOverhead: Double
        public var handshakes: Double
        public var connectedSeconds: Double
        public var energyJoules: Double
    }

    public init(simulatedSeconds: Double, connections: [ConnectionLedger], radio: RadioTime, profile: EnergyProfile) {
        self.simulatedSeconds = simulatedSeconds
        self.connections = connections
        self.handshakes = connections.filter(\.handshake).count
        self.up = connections.reduce(ByteSplit()) { $0 + $1.up }
        self.down = connections.reduce(ByteSplit()) { $0 + $1.down }
        self.ipOverheadUp = connections.reduce(0) { $0 + $1.ipOverheadUp }
        self.ipOverheadDown = connections.reduce(0) { $0 + $1.ipOverheadDown }
        self.radio = radio
        self.profile = profile
        self.energyJoules = profile.joules(for: radio)
        let days = simulatedSeconds > 0 ? 86_400 / simulatedSeconds : 0
        self.perDay = PerDay(
            bytesUp: Double(self.up.total) * days, bytesDown: Double(self.down.total) * days,
            ipOverhead: Double(self.ipOverheadUp + self.ipOverheadDown) * days, handshakes: Double(self.handshakes) * days,
            connectedSeconds: radio.connectedSeconds * days, energyJoules: self.energyJoules * days)
    }
}
