import Foundation
import NIOCore
import SimCore

/// The hub's service-level time under `--time-scale`: a `Date` that starts at the real wall time when the hub starts
/// and then advances `scale` times faster. The service-level timers run on it (throttle buckets and the daily quota,
/// C2D TTL and lock timeout, direct-method timeouts, scheduled disconnects, DPS retry-after); protocol timers (the
/// CONNECT deadline, the keep-alive watchdog, HTTPS timeouts) and credential checks (SAS token expiry, certificate
/// validity) stay on real time, so that tokens and certificates made by real clients stay valid.
public struct ServiceClock: Sendable {
    public let scale: TimeScale
    private let originDate: Date
    private let originInstant: ContinuousClock.Instant

    public init(scale: TimeScale, origin: Date = Date()) {
        self.scale = scale
        self.originDate = origin
        self.originInstant = ContinuousClock.now
    }

    /// Service-level now.
    public func now() -> Date {
        let elapsed = self.scale.simulated(ContinuousClock.now - self.originInstant)
        let (seconds, attoseconds) = elapsed.components
        return self.originDate.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The real wait of a simulated one (an event-loop timer for a service-level interval).
    public func realDelay(_ simulated: TimeAmount) -> TimeAmount { .nanoseconds(simulated.nanoseconds / Int64(self.scale.factor)) }
}
