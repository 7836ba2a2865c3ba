import Synchronization

/// Where simulated components read the time: a monotonic offset from the clock's origin.
///
/// Injected so that tests run on a ``ManualClock`` (no real sleeps) and scenarios run scaled time (``TimeScale``).
public protocol SimClock: Sendable {
    /// Time elapsed since the clock's origin; never decreases.
    var now: Duration { get }
    /// How fast the clock runs against real time: a wait of `d` on it is `scale.real(d)` of real time.
    var scale: TimeScale { get }
}

/// The host's monotonic clock, optionally scaled (`scale` 60 runs a simulated minute in each real second).
public struct HostClock: SimClock {
    private let origin: ContinuousClock.Instant
    public let scale: TimeScale

    public init(scale: TimeScale = .realTime) {
        self.origin = ContinuousClock.now
        self.scale = scale
    }

    public var now: Duration { self.scale.simulated(ContinuousClock.now - self.origin) }

    /// The real instant at which this clock reads `simulated` (for sleeping until a simulated deadline).
    public func instant(at simulated: Duration) -> ContinuousClock.Instant { self.origin + self.scale.real(simulated) }
}

/// A clock that moves only when told (tests).
public final class ManualClock: SimClock {
    private let value: Mutex<Duration>
    /// What the clock stands for against real time (real-time waits derived from it use it); real time unless told.
    public let scale: TimeScale

    public init(_ start: Duration = .zero, scale: TimeScale = .realTime) {
        self.value = Mutex(start)
        self.scale = scale
    }

    public var now: Duration { self.value.withLock { $0 } }

    /// Moves the clock forward by `interval` (not below zero).
    public func advance(by interval: Duration) {
        precondition(interval >= .zero, "a manual clock only moves forward")
        self.value.withLock { $0 += interval }
    }
}
