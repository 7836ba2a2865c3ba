import Foundation
import Logging
import Secrets
import SimCore
import Synchronization
import Testing
@testable import VirtualModem

/// The deadline-driven ticker on a fast clock: each radio transition is notified at its simulated time, within a
/// tolerance far below what a fixed poll period would give (a 100 ms poll at scale 600 is 60 simulated seconds).
@Suite("Radio ticker on a scaled clock")
struct RadioTickerTests {
    /// A `+CSCON` notification: when the clock read it, and when the radio's state changed.
    struct Seen: Sendable {
        var line: String
        var notifiedAt: Duration
        var changedAt: Duration
    }

    final class Recorder: Sendable {
        let seen = Mutex<[Seen]>([])
        let arrived = DispatchSemaphore(value: 0)
    }

    static let scale = try! TimeScale(600)
    /// 25 simulated seconds: 42 ms of real time at scale 600 (room for a loaded machine). A 100 ms poll is up to 60
    /// simulated seconds late: it stays within this at all 7 timer-driven transitions with odds of (25/60)^7, 0.2 %.
    static let tolerance = Duration.seconds(25)

    func makeModem(rrcInactivity: Duration) -> (Modem, HostClock, Recorder) {
        let clock = HostClock(scale: Self.scale)
        var core = ModemCore.factoryNew(profile: .nrf9160, secrets: .reproducible(seed: 1))
        core.network.rrcInactivity = rrcInactivity
        let modem = Modem(core: core, storeFile: nil, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, clock: clock)
        let recorder = Recorder()
        modem.onNotification { [weak modem] line in
            guard line.hasPrefix("+CSCON"), let modem else { return }
            let now = clock.now
            let since = modem.snapshot.radio.stateSince
            recorder.seen.withLock { $0.append(Seen(line: line, notifiedAt: now, changedAt: since)) }
            recorder.arrived.signal()
        }
        return (modem, clock, recorder)
    }

    /// Waits for `count` more notifications (a real-time bound for a hung ticker, not a sleep).
    func wait(for count: Int, _ recorder: Recorder) -> Bool {
        for _ in 0..<count where recorder.arrived.wait(timeout: .now() + 20) == .timedOut { return false }
        return true
    }

    @Test("RRC release, PSM and the periodic TAU wake are notified at their simulated time, cycle after cycle")
    func transitionsOnTime() throws {
        let (modem, _, recorder) = self.makeModem(rrcInactivity: .seconds(10))
        let ticker = RadioTicker(modem: modem)
        ticker.start()
        defer { ticker.stop() }
        #expect(modem.command("AT+CSCON=1") == "OK\r\n")
        // Periodic TAU 2 x 30 s, active time 0: connected 10 s, asleep 60 s, woken by the TAU.
        #expect(modem.command("AT+CPSMS=1,,,\"10000010\",\"00000000\"") == "OK\r\n")
        #expect(modem.command("AT+CFUN=1") == "OK\r\n")
        try #require(self.wait(for: 8, recorder))
        let seen = recorder.seen.withLock { $0 }.prefix(8)
        #expect(seen.map(\.line) == ["+CSCON: 1", "+CSCON: 0", "+CSCON: 1", "+CSCON: 0", "+CSCON: 1", "+CSCON: 0", "+CSCON: 1", "+CSCON: 0"])
        for event in seen {
            #expect(event.notifiedAt - event.changedAt < Self.tolerance, "\(event.line) notified \(event.notifiedAt - event.changedAt) late")
        }
        // The model's own schedule: 10 s connected, 60 s in PSM.
        let changes = seen.map(\.changedAt)
        for index in 1..<changes.count {
            #expect(changes[index] - changes[index - 1] == (index % 2 == 1 ? .seconds(10) : .seconds(60)))
        }
    }

    @Test("an uplink while the ticker sleeps until a distant TAU wakes it for the nearer RRC release")
    func wokenByUplink() throws {
        let (modem, _, recorder) = self.makeModem(rrcInactivity: .seconds(10))
        let ticker = RadioTicker(modem: modem)
        ticker.start()
        defer { ticker.stop() }
        #expect(modem.command("AT+CSCON=1") == "OK\r\n")
        // Periodic TAU 1 hour (6 real seconds at scale 600), active time 0.
        #expect(modem.command("AT+CPSMS=1,,,\"00100001\",\"00000000\"") == "OK\r\n")
        #expect(modem.command("AT+CFUN=1") == "OK\r\n")
        try #require(self.wait(for: 2, recorder))
        #expect(modem.snapshot.radio.state == .psm)
        #expect(modem.uplink())
        try #require(self.wait(for: 2, recorder))
        let seen = recorder.seen.withLock { $0 }
        #expect(seen.map(\.line) == ["+CSCON: 1", "+CSCON: 0", "+CSCON: 1", "+CSCON: 0"])
        let release = try #require(seen.last)
        #expect(release.changedAt - seen[2].changedAt == .seconds(10))
        #expect(release.notifiedAt - release.changedAt < Self.tolerance, "the release was notified \(release.notifiedAt - release.changedAt) late")
    }
}
