import Synchronization

/// Where simulated components read the time: a monotonic offset from the clock's origin.
///
/// Injected so that tests run on a ``ManualClock`` (no real sleeps) and scenarios can later run scaled time.
public protocol SimClock: Sendable {
    /// Time elapsed since the clock's origin; never decreases.
    var now: Duration { get }
}

/// The host's monotonic clock, optionally scaled (`scale` 60 runs a simulated minute in each real second).
public struct HostClock: SimClock {
    private let origin: ContinuousClock.Instant
    private let scale: Int

    public init(scale: Int = 1) {
        precondition(scale >= 1, "a clock scale is at least 1")
        self.origin = ContinuousClock.now
        self.scale = scale
    }

    public var now: Duration { (ContinuousClock.now - self.origin) * self.scale }
}

/// A clock that moves only when told (tests).
public final class ManualClock: SimClock {
    private let value: Mutex<Duration>

    public init(_ start: Duration = .zero) { self.value = Mutex(start) }

    public var now: Duration { self.value.withLock { $0 } }

    /// Moves the clock forward by `interval` (not below zero).
    public func advance(by interval: Duration) {
        precondition(interval >= .zero, "a manual clock only moves forward")
        self.value.withLock { $0 += interval }
    }
}
