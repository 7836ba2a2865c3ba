/// What the simulated network does to one device's traffic right now.
public struct LinkConditions: Sendable, Equatable {
    /// One-way delay added to every chunk, each direction.
    public var latency: Duration = .zero
    /// Up to this much more delay, uniformly drawn per chunk (bytes still arrive in order, as TCP delivers them).
    public var jitter: Duration = .zero
    /// Device → network rate in kbit/s; nil: unlimited.
    public var uplinkKbps: Int?
    /// Network → device rate in kbit/s; nil: unlimited.
    public var downlinkKbps: Int?
    /// The probability (0...1) that a TCP segment is lost on the radio. The relay carries a TCP stream, so a loss is
    /// never a gap in the bytes: it is the retransmission's delay (see ``LinkShaper``).
    public var loss: Double = 0
    /// The carrier NAT forgets a flow idle this long; nil: never.
    public var natIdleTimeout: Duration?
    /// False while the device has no coverage: no bytes pass either way, connection attempts hang.
    public var inCoverage = true
    /// False while DNS lookups fail.
    public var dnsAvailable = true

    public init() {}

    /// Applies a named radio profile's latency, jitter and rates.
    public mutating func apply(_ profile: LinkProfile) {
        self.latency = profile.latency
        self.jitter = profile.jitter
        self.uplinkKbps = profile.uplinkKbps
        self.downlinkKbps = profile.downlinkKbps
    }
}
