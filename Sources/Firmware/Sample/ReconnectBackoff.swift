import FirmwareConfig

/// The delays of `CONFIG_SIM_AZURE_IOT_HUB_RECONNECT` (not in the sample, which never reconnects): the first delay,
/// doubled after every attempt up to the longest, each spread at random by the jitter either way, and the first
/// delay again once a connection is made. The randomness is the caller's (the board's generator), so a test gives
/// it fixed values.
public struct ReconnectBackoff: Sendable, Equatable {
    public let configuration: ReconnectConfiguration
    /// Attempts since the last connection.
    public private(set) var attempts = 0

    public init(_ configuration: ReconnectConfiguration) {
        self.configuration = configuration
    }

    /// The delay before the next attempt, in milliseconds; `unit` is a random value in 0...1 (0.5: no spread).
    public mutating func nextDelayMilliseconds(unit: Double) -> Int {
        let doublings = min(self.attempts, 30)
        self.attempts += 1
        let base = min(Double(self.configuration.initialSeconds) * Double(1 << doublings), Double(self.configuration.maximumSeconds))
        let spread = Double(self.configuration.jitterPercent) / 100 * (2 * min(max(unit, 0), 1) - 1)
        return max(1, Int((base * (1 + spread) * 1000).rounded()))
    }

    /// A connection was made: the next loss starts from the first delay.
    public mutating func reset() { self.attempts = 0 }
}
