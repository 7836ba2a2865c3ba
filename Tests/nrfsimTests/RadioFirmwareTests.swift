import Firmware
import FirmwareConfig
import Foundation
import Logging
import Secrets
import SimCore
import Synchronization
import Testing
import VirtualModem
@testable import nrfsim

/// The firmware's lte_lc against the virtual modem through the real AT interface, on a manual clock.
@Suite("lte_lc against the virtual modem")
struct RadioFirmwareTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func setUp(_ assignments: [String]) throws -> (LTELink, LTELinkControl, Modem, ManualClock) {
        let build = try ConfigurationBuild(appDirectory: Self.repository, board: "nrf9160dk/nrf9160/ns", assignments: assignments)
        let configuration = try #require(build.configuration)
        let clock = ManualClock()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let modem = Modem(
            core: .factoryNew(profile: .nrf9160, secrets: .reproducible(seed: 3)), storeFile: nil, logger: quiet, clock: clock)
        let library = ModemLibraryAdapter(modem: modem)
        let control = LTELinkControl(modem: library, configuration: configuration.lteLinkControl, logger: quiet)
        return (LTELink(modem: library, linkControl: control, logger: quiet), control, modem, clock)
    }

    /// Waits (bounded) for lte_lc's work queue to have dispatched `count` events.
    static func events(_ recorded: borrowing Mutex<[LTELinkControl.Event]>, count: Int) async throws -> [LTELinkControl.Event] {
        for _ in 0..<500 where recorded.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(10)) }
        return recorded.withLock { $0 }
    }

    @Test("CONFIG_LTE_PSM_REQ: the network grants the request, the radio sleeps after T3324 and a socket send wakes it")
    func psm() async throws {
        let (link, control, modem, clock) = try Self.setUp([
            "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", #"CONFIG_LTE_PSM_REQ_RAT="00000101""#,
        ])
        let recorded = Mutex<[LTELinkControl.Event]>([])
        control.registerHandler { event in recorded.withLock { $0.append(event) } }
        #expect(link.connect() == 0)
        #expect(modem.snapshot.psmRequest.enabled)
        #expect(modem.execute("AT+CEREG?") == "+CEREG: 5,1,\"002F\",\"0012BEEF\",7,,,\"00000101\",\"00000011\"\r\nOK\r\n")
        clock.advance(by: .seconds(5))
        modem.poll()
        clock.advance(by: .seconds(10))
        modem.poll()
        #expect(modem.radioStatus.state == .psm)
        ModemLibraryAdapter(modem: modem).socketSend()
        #expect(modem.radioStatus.state == .connected)
        let events = try await Self.events(recorded, count: 4)
        let expected: [LTELinkControl.Event] = [
            .rrcUpdate(.connected), .psmUpdate(.init(tau: 1800, activeTime: 10)), .rrcUpdate(.idle), .rrcUpdate(.connected),
        ]
        #expect(events == expected)
    }

    @Test("the sample's own configuration requests neither PSM nor eDRX: the radio idles and never sleeps")
    func sampleDefault() throws {
        let (link, _, modem, clock) = try Self.setUp([])
        #expect(link.connect() == 0)
        #expect(!modem.snapshot.psmRequest.enabled)
        #expect(modem.snapshot.edrxRequests.isEmpty)
        clock.advance(by: .seconds(7200))
        modem.poll()
        #expect(modem.radioStatus.state == .idle)
        #expect(modem.execute("AT+CFUN?") == "+CFUN: 21\r\nOK\r\n")
    }

    @Test("CONFIG_LTE_EDRX_REQ with a PTW: +CEDRXP reaches lte_lc, which then requests the PTW (%XPTW)")
    func edrx() async throws {
        let (link, control, modem, _) = try Self.setUp([
            "CONFIG_LTE_LC_EDRX_MODULE=y", "CONFIG_LTE_EDRX_REQ=y", #"CONFIG_LTE_PTW_VALUE_LTE_M="0001""#,
        ])
        let recorded = Mutex<[LTELinkControl.Event]>([])
        control.registerHandler { event in recorded.withLock { $0.append(event) } }
        #expect(link.connect() == 0)
        let events = try await Self.events(recorded, count: 3)
        let first = LTELinkControl.Event.edrxUpdate(.init(mode: .lteM, edrx: 163.84, ptw: 5.12))
        let afterPTW = LTELinkControl.Event.edrxUpdate(.init(mode: .lteM, edrx: 163.84, ptw: 2.56))
        #expect(events.contains(first))
        #expect(events.contains(afterPTW))
        #expect(modem.execute("AT%XPTW?") == "%XPTW: 4,\"0001\"\r\nOK\r\n")
        #expect(modem.radioStatus.state == .connected)
    }
}
