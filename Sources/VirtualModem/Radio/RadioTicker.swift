import Foundation
import Synchronization

/// Runs a modem's radio timers in real time: polls it (``Modem/poll()``) every `interval` on its own thread, so
/// `+CSCON: 0` after the RRC inactivity timer and the PSM transitions happen without an AT command. Tests move a
/// ``SimCore/ManualClock`` and call ``Modem/poll()`` themselves instead.
public final class RadioTicker: Sendable {
    private let modem: Modem
    private let interval: Duration
    private let stopped = Atomic<Bool>(false)

    public init(modem: Modem, interval: Duration = .milliseconds(100)) {
        self.modem = modem
        self.interval = interval
    }

    /// Starts polling on a thread of its own until ``stop()``.
    public func start() {
        let thread = Thread { [self] in
            while !self.stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(self.interval.components.seconds) + Double(self.interval.components.attoseconds) / 1e18)
                self.modem.poll()
            }
        }
        thread.name = "modem-radio"
        thread.start()
    }

    public func stop() { self.stopped.store(true, ordering: .relaxed) }
}
