import Logging
import Secrets
import SimCore
import Synchronization
import Testing
@testable import VirtualModem

@Suite("Radio state machine")
struct RadioLinkTests {
    static let psm = RadioLink.Configuration(
        rrcInactivity: .seconds(5), psm: (periodicTAU: .seconds(600), activeTime: .seconds(10)))

    @Test("connected -> idle -> PSM, woken by uplink; time in each state is kept")
    func sleepAndUplink() {
        var radio = RadioLink(configuration: Self.psm)
        #expect(radio.attach(at: .seconds(100), configuration: Self.psm) == [.rrcConnected])
        #expect(radio.nextDeadline == .seconds(105))
        #expect(radio.advance(to: .seconds(104)) == [])
        #expect(radio.advance(to: .seconds(200)) == [.rrcIdle, .enteredPSM])
        #expect(radio.state == .psm)
        #expect(radio.stateSince == .seconds(115))
        #expect(radio.uplink(at: .seconds(300)) == [.leftPSM(.uplink), .rrcConnected])
        #expect(radio.timeSpent(in: .off, at: .seconds(300)) == .seconds(100))
        #expect(radio.timeSpent(in: .connected, at: .seconds(301)) == .seconds(6))
        #expect(radio.timeSpent(in: .idle, at: .seconds(301)) == .seconds(10))
        #expect(radio.timeSpent(in: .psm, at: .seconds(301)) == .seconds(185))
    }

    @Test("the periodic TAU wakes the radio, counted from the release to idle, and releases held downlink")
    func tauWakes() {
        var radio = RadioLink(configuration: Self.psm)
        _ = radio.attach(at: .zero, configuration: Self.psm)
        _ = radio.advance(to: .seconds(20))
        let (fate, events) = radio.downlink(id: 7, byteCount: 42, at: .seconds(30))
        #expect(fate == .held && events.isEmpty)
        #expect(radio.held.map(\.id) == [7])
        #expect(radio.advance(to: .seconds(604)) == [])
        #expect(
            radio.advance(to: .seconds(605))
                == [.leftPSM(.periodicTAU), .rrcConnected, .released([.init(id: 7, byteCount: 42, since: .seconds(30))])])
        #expect(radio.held.isEmpty)
        #expect(radio.advance(to: .seconds(620)) == [.rrcIdle, .enteredPSM])
    }

    @Test("uplink keeps the connection: the inactivity timer restarts")
    func inactivityRestarts() {
        var radio = RadioLink(configuration: Self.psm)
        _ = radio.attach(at: .zero, configuration: Self.psm)
        #expect(radio.uplink(at: .seconds(4)) == [])
        #expect(radio.advance(to: .seconds(8)) == [])
        #expect(radio.advance(to: .seconds(9)) == [.rrcIdle])
        #expect(radio.state == .idle)
    }

    @Test("without PSM the radio stays idle and downlink pages it at once")
    func noPSM() {
        let plain = RadioLink.Configuration(rrcInactivity: .seconds(5))
        var radio = RadioLink(configuration: plain)
        _ = radio.attach(at: .zero, configuration: plain)
        #expect(radio.advance(to: .seconds(10_000)) == [.rrcIdle])
        #expect(radio.nextDeadline == nil)
        let (fate, events) = radio.downlink(id: 1, byteCount: 1, at: .seconds(10_001))
        #expect(fate == .delivered && events == [.rrcConnected])
    }

    @Test("an active time of 0 sleeps at the release")
    func zeroActiveTime() {
        let configuration = RadioLink.Configuration(rrcInactivity: .seconds(5), psm: (.seconds(600), .zero))
        var radio = RadioLink(configuration: configuration)
        _ = radio.attach(at: .zero, configuration: configuration)
        #expect(radio.advance(to: .seconds(5)) == [.rrcIdle, .enteredPSM])
    }

    @Test("in eDRX idle downlink waits for the next paging occasion")
    func edrxPaging() {
        let configuration = RadioLink.Configuration(rrcInactivity: .seconds(5), edrxCycle: .milliseconds(163_840))
        var radio = RadioLink(configuration: configuration)
        _ = radio.attach(at: .zero, configuration: configuration)
        _ = radio.advance(to: .seconds(5))
        #expect(radio.state == .edrxIdle)
        #expect(radio.downlink(id: 1, byteCount: 10, at: .seconds(100)).fate == .held)
        #expect(radio.nextDeadline == .seconds(5) + .milliseconds(163_840))
        #expect(radio.advance(to: .seconds(168)) == [])
        let events = radio.advance(to: .seconds(169))
        #expect(events == [.rrcConnected, .released([.init(id: 1, byteCount: 10, since: .seconds(100))])])
        #expect(radio.timeSpent(in: .edrxIdle, at: .seconds(169)) == .milliseconds(163_840))
    }

    @Test("detach drops what was held and refuses uplink")
    func detach() {
        var radio = RadioLink(configuration: Self.psm)
        _ = radio.attach(at: .zero, configuration: Self.psm)
        _ = radio.advance(to: .seconds(100))
        _ = radio.downlink(id: 1, byteCount: 10, at: .seconds(100))
        #expect(radio.detach(at: .seconds(101)) == [])
        #expect(radio.held.isEmpty && radio.state == .off)
        #expect(radio.uplink(at: .seconds(102)) == nil)
        #expect(radio.downlink(id: 2, byteCount: 1, at: .seconds(103)).fate == .dropped)
    }
}

@Suite("Modem radio under an injected clock")
struct ModemRadioTests {
    final class Recorder: Sendable {
        let lines = Mutex<[String]>([])
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            self.recorder.lines.withLock { $0.append("\(event.level): \(event.message)") }
        }
    }

    func makeRadioModem(network: NetworkPolicy = .init()) -> (Modem, ManualClock, Recorder) {
        let clock = ManualClock()
        let recorder = Recorder()
        var core = ModemCore.factoryNew(profile: .nrf9160, secrets: .reproducible(seed: 1))
        core.network = network
        return (Modem(core: core, storeFile: nil, logger: Logger(label: "test") { _ in RecordingHandler(recorder: recorder) }, clock: clock), clock, recorder)
    }

    @Test("held downlink is delivered when poll() runs the TAU wake, and time in each state is exposed")
    func heldUntilTAU() {
        let (modem, clock, _) = self.makeRadioModem()
        _ = modem.command("AT+CPSMS=1,,,\"00000001\",\"00000000\"")
        _ = modem.command("AT+CFUN=1")
        clock.advance(by: .seconds(5))
        modem.poll()
        #expect(modem.radioStatus.state == .psm)
        let delivered = Mutex(0)
        #expect(modem.downlink(byteCount: 100) { delivered.withLock { $0 += 100 } } == .held)
        #expect(modem.radioStatus.heldDownlink == 1)
        clock.advance(by: .seconds(599))
        modem.poll()
        #expect(delivered.withLock { $0 } == 0)
        clock.advance(by: .seconds(1))
        modem.poll()
        #expect(delivered.withLock { $0 } == 100)
        let status = modem.radioStatus
        #expect(status.state == .connected)
        #expect(status.timeSpent[.connected] == .seconds(5))
        #expect(status.timeSpent[.psm] == .seconds(600))
        #expect(status.heldDownlink == 0)
    }

    @Test("the firmware's client gets responses alone; notifications go to the observers")
    func notificationsSeparate() {
        let (modem, clock, _) = self.makeRadioModem()
        let seen = Mutex<[String]>([])
        modem.onNotification { line in seen.withLock { $0.append(line) } }
        #expect(modem.command("AT+CSCON=1") == "OK\r\n")
        #expect(modem.command("AT+CFUN=1") == "OK\r\n")
        clock.advance(by: .seconds(5))
        modem.poll()
        #expect(seen.withLock { $0 } == ["+CSCON: 1", "+CSCON: 0"])
        #expect(modem.uplink())
        #expect(seen.withLock { $0 }.last == "+CSCON: 1")
    }

    @Test("a refused timer string is logged with the reason")
    func refusalLogged() {
        let (modem, _, recorder) = self.makeRadioModem()
        #expect(modem.command("AT+CPSMS=1,,,\"0000011\",\"00100001\"") == "ERROR\r\n")
        #expect(modem.command("AT+CMEE=1") == "OK\r\n")
        #expect(modem.command("AT+CEDRXS=2,4,\"10a1\"") == "ERROR\r\n")
        let warnings = recorder.lines.withLock { $0 }.filter { $0.hasPrefix("warning") }
        #expect(warnings == [
            "warning: AT command refused: AT+CPSMS: <Requested_Periodic-TAU-ext> \"0000011\" is not one byte: 7 characters, 8 required",
            "warning: AT command refused: AT+CEDRXS: <Requested_eDRX_value> \"10a1\" has a character other than 0 or 1",
        ])
    }

    @Test("without a PSM request the radio never sleeps (today's behaviour)")
    func defaultNeverSleeps() {
        let (modem, clock, _) = self.makeRadioModem()
        _ = modem.command("AT+CFUN=1")
        clock.advance(by: .seconds(86_400))
        modem.poll()
        #expect(modem.radioStatus.state == .idle)
        #expect(modem.downlink(byteCount: 1) {} == .delivered)
    }
}
