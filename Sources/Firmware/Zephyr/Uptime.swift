import Foundation
import Synchronization

/// `k_uptime_get()`: milliseconds since boot. Injected, so tests run on a manual clock.
public protocol Uptime: Sendable {
    /// Microseconds since boot (the log timestamp's resolution).
    var microseconds: UInt64 { get }
}

extension Uptime {
    /// `k_uptime_get()`.
    public var milliseconds: UInt64 { self.microseconds / 1000 }
}

/// Uptime measured from the moment the board was created, on the host's monotonic clock.
public struct MonotonicUptime: Uptime {
    private let boot: ContinuousClock.Instant

    public init() { self.boot = ContinuousClock.now }

    public var microseconds: UInt64 {
        let elapsed = ContinuousClock.now - self.boot
        return UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
    }
}

/// An uptime that moves only when told (tests).
public final class ManualUptime: Uptime {
    private let value: Mutex<UInt64>

    public init(microseconds: UInt64 = 0) { self.value = Mutex(microseconds) }

    public var microseconds: UInt64 { self.value.withLock { $0 } }

    public func advance(milliseconds: UInt64) { self.value.withLock { $0 += milliseconds * 1000 } }
}
