import ArgumentParser
import Testing
import VirtualModem
@testable import nrfsim

/// `nrfsim device`'s simulated-network flags.
@Suite("nrfsim device network flags")
struct DeviceNetworkFlagsTests {
    @Test("by default the network grants what is asked, with a 5 s RRC inactivity timer")
    func defaults() throws {
        let policy = try DeviceCommand.parse([]).networkPolicy()
        #expect(policy == NetworkPolicy())
        #expect(policy.psm == .asRequested && policy.edrx == .asRequested && policy.rrcInactivity == .seconds(5))
    }

    @Test("grants, refusals and the inactivity timer are read")
    func parsed() throws {
        let policy = try DeviceCommand.parse([
            "--network-psm", "00100010,00000101", "--network-edrx", "deny", "--rrc-inactivity", "20",
        ]).networkPolicy()
        #expect(policy.psm == .grant(periodicTAU: GPRSTimer(kind: .periodicTAU, byte: 0x22), activeTime: GPRSTimer(kind: .activeTime, byte: 0x05)))
        #expect(policy.edrx == .deny)
        #expect(policy.rrcInactivity == .seconds(20))
        let edrx = try DeviceCommand.parse(["--network-edrx", "0101,0011", "--network-psm", "deny"]).networkPolicy()
        #expect(edrx.edrx == .grant(value: EDRXNibble(0b0101), pagingTimeWindow: EDRXNibble(0b0011)))
        #expect(edrx.psm == .deny)
    }

    @Test("bad values are refused, naming the flag and what is wrong", arguments: [
        (["--network-psm", "sometimes"], #"--network-psm: "sometimes" is not a PSM policy (as-requested, deny, or TAU,ACTIVE as two 8-bit timer strings, e.g. 00000011,00100001): 1 comma-separated parts, 2 required"#),
        (["--network-psm", "0000001,00100001"], #"--network-psm: "0000001,00100001" is not a PSM policy (as-requested, deny, or TAU,ACTIVE as two 8-bit timer strings, e.g. 00000011,00100001): "0000001" is not one byte: 7 characters, 8 required"#),
        (["--network-edrx", "1001,00x1"], #"--network-edrx: "1001,00x1" is not an eDRX policy (as-requested, deny, or EDRX,PTW as two 4-bit strings, e.g. 1001,0011): "00x1" has a character other than 0 or 1"#),
        (["--rrc-inactivity", "0"], "--rrc-inactivity: 0 is not 1-86400 seconds"),
    ])
    func refused(arguments: [String], message: String) {
        do {
            _ = try DeviceCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(DeviceCommand.message(for: error) == message)
        }
    }
}
