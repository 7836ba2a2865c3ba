import Logging
import Secrets
import SimCore
import Synchronization
import Testing
@testable import VirtualModem

/// Changes the network makes while the device runs: new grants (as a TAU accept) and coverage gaps.
@Suite("Network changes at run time")
struct NetworkChangeTests {
    static func modem(clock: ManualClock) -> Modem {
        Modem(
            core: .factoryNew(profile: .nrf9160, secrets: .reproducible(seed: 1)), storeFile: nil,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), clock: clock)
    }


    @Test("a PSM grant while registered is a TAU accept: +CEREG 5 carries the new timers, the radio sleeps after them")
    func psmGrant() {
        let clock = ManualClock()
        let modem = Self.modem(clock: clock)
        let seen = Mutex<[String]>([])
        modem.onNotification { line in seen.withLock { $0.append(line) } }
        #expect(modem.execute("AT+CEREG=5") == "OK\r\n")
        #expect(modem.execute("AT+CPSMS=1") == "OK\r\n")
        modem.updateNetwork { $0.psm = .deny }
        #expect(modem.execute("AT+CFUN=1").hasPrefix("OK\r\n+CEREG: 1,\"002F\",\"0012BEEF\",7,,,\"11100000\",\"11100000\""))
        seen.withLock { $0 = [] }
        let tau = GPRSTimer.exact(seconds: 3600, kind: .periodicTAU)!
        let active = GPRSTimer.exact(seconds: 60, kind: .activeTime)!
        #expect((tau.bits, active.bits) == ("00100001", "00100001"))
        modem.updateNetwork { $0.psm = .grant(periodicTAU: tau, activeTime: active) }
        #expect(seen.withLock { $0 } == [#"+CEREG: 1,"002F","0012BEEF",7,,,"00100001","00100001""#])
        #expect(modem.execute("AT+CEREG?") == "+CEREG: 5,1,\"002F\",\"0012BEEF\",7,,,\"00100001\",\"00100001\"\r\nOK\r\n")
        // The same grant again is no change: nothing notified.
        seen.withLock { $0 = [] }
        modem.updateNetwork { $0.psm = .grant(periodicTAU: tau, activeTime: active) }
        #expect(seen.withLock { $0 } == [])
        clock.advance(by: .seconds(5 + 60))
        modem.poll()
        #expect(modem.radioStatus.state == .psm)
        modem.updateNetwork { $0.rrcInactivity = .seconds(10) }
        #expect(modem.snapshot.radio.configuration.rrcInactivity == .seconds(10))
    }

    @Test("a coverage gap: +CEREG: 2 (searching), the RRC connection drops, registered again when it returns")
    func coverageGap() {
        let clock = ManualClock()
        let modem = Self.modem(clock: clock)
        let seen = Mutex<[String]>([])
        let link = Mutex<[Bool]>([])
        modem.onNotification { line in seen.withLock { $0.append(line) } }
        modem.onLinkChange { up in link.withLock { $0.append(up) } }
        #expect(modem.execute("AT+CEREG=5") == "OK\r\n")
        #expect(modem.execute("AT+CSCON=1") == "OK\r\n")
        _ = modem.execute("AT+CFUN=1")
        seen.withLock { $0 = [] }
        modem.setCoverage(false)
        #expect(seen.withLock { $0 } == ["+CSCON: 0", "+CEREG: 2"])
        #expect(modem.execute("AT+CEREG?") == "+CEREG: 5,2\r\nOK\r\n")
        #expect(modem.execute("AT%XMONITOR") == "%XMONITOR: 2\r\nOK\r\n")
        #expect(modem.radioStatus.state == .idle)
        // No cell: a send connects nothing, downlink waits for the cell.
        #expect(modem.uplink())
        #expect(modem.radioStatus.state == .idle)
        let delivered = Mutex(false)
        #expect(modem.downlink(byteCount: 10) { delivered.withLock { $0 = true } } == .held)
        seen.withLock { $0 = [] }
        clock.advance(by: .seconds(120))
        modem.setCoverage(true)
        #expect(seen.withLock { $0 } == ["+CSCON: 1", #"+CEREG: 1,"002F","0012BEEF",7,,,"11100000","11100000""#])
        #expect(delivered.withLock { $0 })
        #expect(modem.radioStatus.state == .connected)
        // A search is not a loss of the cell (lte_net_if): the link stayed up throughout.
        #expect(link.withLock { $0 } == [true])
    }

    @Test("LTE activated inside a gap searches; the link comes up with the first registration")
    func attachInAGap() {
        let clock = ManualClock()
        let modem = Self.modem(clock: clock)
        let link = Mutex<[Bool]>([])
        modem.onLinkChange { up in link.withLock { $0.append(up) } }
        modem.setCoverage(false)
        #expect(modem.execute("AT+CEREG=1") == "OK\r\n")
        #expect(modem.execute("AT+CFUN=21") == "OK\r\n+CEREG: 2\r\n")
        #expect(link.withLock { $0 } == [])
        modem.setCoverage(true)
        #expect(link.withLock { $0 } == [true])
        #expect(modem.execute("AT+CEREG?") == "+CEREG: 1,1\r\nOK\r\n")
        _ = modem.execute("AT+CFUN=4")
        #expect(link.withLock { $0 } == [true, false])
    }
}
