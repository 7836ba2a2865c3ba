import FirmwareConfig
import Foundation
import Logging
import OpenSSLKit
import Synchronization
import Testing
@testable import Firmware

/// A modem that answers every command from a table (OK by default) and records them; notifications are pushed by
/// the test.
final class RecordingModem: ModemLibrary {
    let commands = Mutex<[String]>([])
    let answers: [String: String]
    private let handlers = Mutex<[@Sendable (String) -> Void]>([])

    init(answers: [String: String] = [:]) { self.answers = answers }

    func atCommand(_ command: String) -> String {
        self.commands.withLock { $0.append(command) }
        return self.answers[command] ?? "OK\r\n"
    }

    func tlsContext(secTags: [Int], hostname: String) throws -> TLSClientContext { throw TLSSetupError("none") }
    func onLinkChange(_ handler: @escaping @Sendable (Bool) -> Void) {}
    func onNotification(_ handler: @escaping @Sendable (String) -> Void) { self.handlers.withLock { $0.append(handler) } }

    func push(_ notification: String) {
        for handler in self.handlers.withLock({ $0 }) { handler(notification) }
    }
}

@Suite("lte_lc: modem initialisation, functional mode and events")
struct LTELinkControlTests {
    /// The nRF9161 DK build of the repository's application with these Kconfig assignments.
    static func configuration(_ assignments: [String]) throws -> LTELinkControlConfiguration {
        let build = try ConfigurationBuild(
            appDirectory: LibraryAgainstEmulatorTests.repository, board: "nrf9161dk/nrf9161/ns", assignments: assignments)
        return try #require(build.configuration).lteLinkControl
    }

    static func linkControl(_ assignments: [String], modem: RecordingModem = RecordingModem()) throws -> (LTELinkControl, RecordingModem) {
        let control = LTELinkControl(
            modem: modem, configuration: try Self.configuration(assignments),
            logger: Logger(label: "lte_lc", factory: { _ in SwiftLogNoOpLogHandler() }))
        return (control, modem)
    }

    @Test("the sample's configuration: lte_lc is linked with neither module, so only %FEACONF is written")
    func sampleDefaults() throws {
        let configuration = try Self.configuration([])
        #expect(configuration.enabled)
        #expect(!configuration.psmModule && !configuration.edrxModule)
        let (control, modem) = try Self.linkControl([])
        control.onModemInit()
        #expect(modem.commands.withLock { $0 } == ["AT%FEACONF=0,3,1"])
    }

    @Test("CONFIG_LTE_PSM_REQ with the default strings: AT+CPSMS=1 with both timers, as on_modem_init() orders it")
    func psmRequest() throws {
        let (control, modem) = try Self.linkControl(["CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y"])
        control.onModemInit()
        #expect(modem.commands.withLock { $0 } == [
            #"AT+CPSMS=1,,,"00000011","00100001""#, "AT%FEACONF=0,0,0", "AT%FEACONF=0,3,1",
        ])
    }

    @Test("the PSM module without CONFIG_LTE_PSM_REQ disables PSM (AT+CPSMS=)")
    func psmNotRequested() throws {
        let (control, modem) = try Self.linkControl(["CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PLMN_SELECTION_OPTIMIZATION=n"])
        control.onModemInit()
        #expect(modem.commands.withLock { $0 } == ["AT+CPSMS=", "AT%FEACONF=0,0,0", "AT%FEACONF=0,3,0"])
    }

    @Test("timers given in seconds are encoded as psm_encode_timer() does")
    func psmSeconds() throws {
        let (control, modem) = try Self.linkControl([
            "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", "CONFIG_LTE_PSM_REQ_FORMAT_SECONDS=y",
            "CONFIG_LTE_PSM_REQ_RPTAU_SECONDS=3600", "CONFIG_LTE_PSM_REQ_RAT_SECONDS=10", "CONFIG_LTE_PROPRIETARY_PSM_REQ=y",
        ])
        control.onModemInit()
        #expect(modem.commands.withLock { $0 } == [
            #"AT+CPSMS=1,,,"00000110","00000101""#, "AT%FEACONF=0,0,1", "AT%FEACONF=0,3,1",
        ])
    }

    @Test("a timer too long to encode stops the initialisation, and PSM is not requested")
    func psmTooLong() throws {
        let (control, modem) = try Self.linkControl([
            "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", "CONFIG_LTE_PSM_REQ_FORMAT_SECONDS=y",
            "CONFIG_LTE_PSM_REQ_RAT_SECONDS=100000",
        ])
        control.onModemInit()
        #expect(modem.commands.withLock { $0 }.isEmpty)
    }

    @Test("CONFIG_LTE_EDRX_REQ requests both access technologies; without it eDRX is disabled")
    func edrx() throws {
        let (on, modem) = try Self.linkControl(["CONFIG_LTE_LC_EDRX_MODULE=y", "CONFIG_LTE_EDRX_REQ=y", #"CONFIG_LTE_EDRX_REQ_VALUE_NBIOT="0101""#])
        on.onModemInit()
        #expect(modem.commands.withLock { $0 } == ["AT%FEACONF=0,3,1", #"AT+CEDRXS=2,4,"1001""#, #"AT+CEDRXS=2,5,"0101""#])
        let (off, plain) = try Self.linkControl(["CONFIG_LTE_LC_EDRX_MODULE=y"])
        off.onModemInit()
        #expect(plain.commands.withLock { $0 } == ["AT%FEACONF=0,3,1", "AT+CEDRXS=3"])
    }

    @Test("activating LTE subscribes +CEREG level 5 and +CSCON first (cfun.c enable_notifications())")
    func activate() throws {
        let (control, modem) = try Self.linkControl([])
        #expect(control.functionalModeSet(.activateLTE) == 0)
        #expect(control.functionalModeSet(.offline) == 0)
        #expect(modem.commands.withLock { $0 } == ["AT+CEREG=5", "AT+CSCON=1", "AT+CFUN=21", "AT+CFUN=4"])
        let (failing, _) = try Self.linkControl([], modem: RecordingModem(answers: ["AT+CFUN=21": "ERROR\r\n"]))
        #expect(failing.functionalModeSet(.activateLTE) == -Errno.EFAULT)
    }

    @Test("+CSCON, +CEREG and +CEDRXP notifications raise RRC, PSM and eDRX events")
    func events() async throws {
        let monitor = "%XMONITOR: 1,\"nrfsim\",\"nrfsim\",\"00101\",\"002F\",7,20,\"0012BEEF\",194,6300,60,30,\"\",\"11100000\",\"11100000\",\"01001001\"\r\nOK\r\n"
        let (control, modem) = try Self.linkControl(
            ["CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_LC_EDRX_MODULE=y", #"CONFIG_LTE_PTW_VALUE_LTE_M="0001""#],
            modem: RecordingModem(answers: ["AT%XMONITOR": monitor]))
        let events = Mutex<[LTELinkControl.Event]>([])
        control.registerHandler { event in events.withLock { $0.append(event) } }
        modem.push("+CSCON: 1")
        modem.push("+CEREG: 1,\"002F\",\"0012BEEF\",7,,,\"00100001\",\"00000011\"")
        modem.push("+CEREG: 1,\"002F\",\"0012BEEF\",7,,,\"00100001\",\"00000011\"")  // unchanged: no event
        modem.push("+CEDRXP: 4,\"1001\",\"1001\",\"0011\"")
        modem.push("+CEREG: 1,\"002F\",\"0012BEEF\",7,,,\"11100000\",\"11100000\"")  // legacy T3412 via %XMONITOR
        modem.push("+CSCON: 0")
        let expected: [LTELinkControl.Event] = [
            .rrcUpdate(.connected), .psmUpdate(.init(tau: 1800, activeTime: 60)),
            .edrxUpdate(.init(mode: .lteM, edrx: 163.84, ptw: 5.12)), .psmUpdate(.init(tau: 3240, activeTime: -1)),
            .rrcUpdate(.idle),
        ]
        for _ in 0..<500 where events.withLock({ $0.count }) < expected.count || !modem.commands.withLock({ $0.contains(#"AT%XPTW=4,"0001""#) }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(events.withLock { $0 } == expected)
        #expect(modem.commands.withLock { $0 } .contains(#"AT%XPTW=4,"0001""#))
        #expect(modem.commands.withLock { $0 }.filter { $0 == "AT%XMONITOR" }.count == 1)
    }

    @Test("psm_parse() fixtures", arguments: [
        ("00100001", "00000011", nil as String?, LTELinkControl.PSMConfig(tau: 1800, activeTime: 60)),
        ("00000101", "10100101", nil, .init(tau: 300, activeTime: 10)),
        ("11100000", "11100000", "01001001", .init(tau: 3240, activeTime: -1)),
        ("00000000", "01100001", "11100000", .init(tau: 2, activeTime: 0)),
    ])
    func psmParse(active: String, tau: String, legacy: String?, expected: LTELinkControl.PSMConfig) {
        #expect(LTELinkControl.psmParse(activeTime: active, tauExt: tau, tauLegacy: legacy) == expected)
    }
}
