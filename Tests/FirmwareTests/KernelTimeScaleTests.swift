import Dispatch
import Firmware
import SimCore
import Synchronization
import Testing

/// The firmware's kernel clock under `--time-scale`: uptime in simulated time, delays and timeouts waiting
/// simulated / scale of real time.
@Suite("Kernel time on a scaled clock")
struct KernelTimeScaleTests {
    static let scale = try! TimeScale(3600)
    /// What a hung or unscaled wait is caught by: far above the scaled waits (10 ms), far below the unscaled (36 s).
    static let bound: Double = 10

    @Test("uptime advances scale times faster than the host's clock")
    func uptime() {
        let before = ContinuousClock.now
        let uptime = MonotonicUptime(scale: Self.scale)
        let booted = ContinuousClock.now
        while ContinuousClock.now - booted < .milliseconds(2) {}
        let lower = ContinuousClock.now - booted
        let reading = uptime.microseconds
        let upper = ContinuousClock.now - before
        #expect(reading >= Self.microseconds(lower * 3600))
        #expect(reading <= Self.microseconds(upper * 3600))
        #expect(uptime.milliseconds >= 7200)
    }

    @Test("a delayed work item runs after its delay in kernel time: 36 s at scale 3600 is 10 ms")
    func delayedWork() {
        let queue = WorkQueue(name: "test", scale: Self.scale)
        let ran = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        queue.submit(after: 36) { ran.signal() }
        #expect(ran.wait(timeout: .now() + Self.bound) == .success)
        #expect(ContinuousClock.now - started >= .milliseconds(10))
    }

    @Test("rescheduling a delayable item replaces its pending run, in kernel time")
    func delayable() {
        let queue = WorkQueue(name: "test", scale: Self.scale)
        let ran = DispatchSemaphore(value: 0)
        let runs = Counter()
        let work = DelayableWork(queue: queue) {
            runs.increment()
            ran.signal()
        }
        work.reschedule(seconds: 3600)  // 1 real second: replaced before it comes
        work.reschedule(seconds: 36)
        #expect(ran.wait(timeout: .now() + Self.bound) == .success)
        #expect(runs.value == 1)
    }

    @Test("a semaphore's timeout is kernel time: 36 s at scale 3600 gives up after 10 ms")
    func semaphoreTimeout() {
        let semaphore = KSemaphore(initial: 0, limit: 1, scale: Self.scale)
        let started = ContinuousClock.now
        #expect(!semaphore.take(timeoutSeconds: 36))
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(10))
        #expect(waited < .seconds(Self.bound))
    }

    @Test("libmosquitto gets the keep-alive in real seconds, at least its 5 s floor; 0 stays off")
    func keepAlive() throws {
        #expect(MQTTKeepAlive.libraryKeepAlive(1767, scale: .realTime) == 1767)
        #expect(MQTTKeepAlive.libraryKeepAlive(1767, scale: try TimeScale(60)) == 29)
        #expect(MQTTKeepAlive.libraryKeepAlive(1767, scale: try TimeScale(600)) == 5)
        #expect(MQTTKeepAlive.libraryKeepAlive(60, scale: try TimeScale(2)) == 30)
        #expect(MQTTKeepAlive.libraryKeepAlive(0, scale: try TimeScale(600)) == 0)
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        UInt64(duration.components.seconds) * 1_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000_000)
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { self.count.withLock { $0 } }
    func increment() { self.count.withLock { $0 += 1 } }
}
