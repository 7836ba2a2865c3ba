import Dispatch
import Foundation
import SimCore
import Synchronization

/// Runs a modem's radio timers on its clock: a thread of its own sleeps until ``Modem/nextRadioDeadline`` (in real
/// time: the simulated wait divided by the clock's ``SimCore/TimeScale``) and then polls the modem
/// (``Modem/poll()``), so `+CSCON: 0` after the RRC inactivity timer and the PSM transitions happen without an AT
/// command and at their simulated time, however fast the clock runs. A command, uplink or downlink that moves the
/// deadline wakes it early (``Modem/onRadioChange(_:)``). Tests on a ``SimCore/ManualClock`` call
/// ``Modem/poll()`` themselves instead.
public final class RadioTicker: Sendable {
    private let modem: Modem
    /// Signalled on every radio change and on ``stop()``: a signal given while the thread computes its next wait
    /// is counted, so no change is missed.
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)

    public init(modem: Modem) {
        self.modem = modem
        modem.onRadioChange { [wake] in wake.signal() }
    }

    /// Starts the timer thread; it runs until ``stop()``.
    public func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "modem-radio"
        thread.start()
    }

    public func stop() {
        self.stopped.store(true, ordering: .relaxed)
        self.wake.signal()
    }

    private func run() {
        let clock = self.modem.clock
        while !self.stopped.load(ordering: .relaxed) {
            self.modem.poll()
            // poll() signalled `wake` itself: drain the signals given so far, then read the deadline they may move.
            while self.wake.wait(timeout: .now()) == .success {}
            guard let deadline = self.modem.nextRadioDeadline else {
                self.wake.wait()
                continue
            }
            let remaining = deadline - clock.now
            guard remaining > .zero else { continue }
            _ = self.wake.wait(timeout: .now() + Self.dispatchInterval(clock.scale.real(remaining)))
        }
    }

    /// A real interval as Dispatch waits it, rounded up so the wait never ends before the deadline.
    static func dispatchInterval(_ interval: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = interval.components
        let nanoseconds = seconds * 1_000_000_000 + (attoseconds + 999_999_999) / 1_000_000_000
        return .nanoseconds(Int(clamping: nanoseconds))
    }
}
