import Foundation
import SimCore
import Synchronization

/// The firmware's time source: `k_uptime_get()` (milliseconds since boot) and the rate at which the kernel's
/// timeouts run against real time. Under `--time-scale N` uptime advances N times faster than the host's clock, so
/// the console's `[hh:mm:ss.mmm,uuu]` timestamps show simulated time, and every `k_sleep()`, delayed work item and
/// semaphore timeout (``WorkQueue``, ``KSemaphore``) waits its simulated interval divided by N. Injected, so tests
/// run on a manual clock.
public protocol Uptime: Sendable {
    /// Microseconds since boot (the log timestamp's resolution), in simulated time.
    var microseconds: UInt64 { get }
    /// How many simulated seconds pass in each real second.
    var scale: TimeScale { get }
}

extension Uptime {
    /// `k_uptime_get()`.
    public var milliseconds: UInt64 { self.microseconds / 1000 }
}

/// Uptime measured from the moment the board was created, on the host's monotonic clock, scaled by `scale`.
public struct MonotonicUptime: Uptime {
    private let boot: ContinuousClock.Instant
    public let scale: TimeScale

    public init(scale: TimeScale = .realTime) {
        self.boot = ContinuousClock.now
        self.scale = scale
    }

    public var microseconds: UInt64 { Self.microseconds(self.scale.simulated(ContinuousClock.now - self.boot)) }

    static func microseconds(_ elapsed: Duration) -> UInt64 {
        UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
    }
}

/// An uptime that moves only when told (tests).
public final class ManualUptime: Uptime {
    private let value: Mutex<UInt64>
    public let scale: TimeScale

    public init(microseconds: UInt64 = 0, scale: TimeScale = .realTime) {
        self.value = Mutex(microseconds)
        self.scale = scale
    }

    public var microseconds: UInt64 { self.value.withLock { $0 } }

    public func advance(milliseconds: UInt64) { self.value.withLock { $0 += milliseconds * 1000 } }
}
