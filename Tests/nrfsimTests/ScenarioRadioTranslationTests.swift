import NetworkModel
import Testing
import VirtualModem
@testable import nrfsim

/// The scenario parser's PSM timer rule and the modem's encoder agree on every timer.
@Suite struct ScenarioRadioTranslationTests {
    static let tauSamples = Array(0...4000) + stride(from: 4000, through: 1_200_000, by: 300).map { $0 } + [35_712_000, 35_712_001, 36_864_000]

    @Test func everyTimerTheParserAcceptsEncodesExactly() {
        for seconds in Self.tauSamples {
            let accepted = PSMTimerRule.periodicTAUProblem(.seconds(seconds)) == nil
            let timer = GPRSTimer.exact(seconds: seconds, kind: .periodicTAU)
            #expect(accepted == (timer != nil && seconds > 0), "TAU \(seconds) s")
            if let timer { #expect(timer.seconds == seconds) }
        }
        for seconds in 0...12_000 {
            let accepted = PSMTimerRule.activeTimeProblem(.seconds(seconds)) == nil
            let timer = GPRSTimer.exact(seconds: seconds, kind: .activeTime)
            #expect(accepted == (timer != nil), "active time \(seconds) s")
            if let timer { #expect(timer.seconds == seconds) }
        }
    }

    @Test func aScenarioChangeBecomesTheModemsPolicy() throws {
        let policy = try NetworkPolicy()
            .applying(.psm(.grant(periodicTAU: .seconds(3600), activeTime: .seconds(60))))
            .applying(.edrx(.deny))
            .applying(.rrcInactivity(.seconds(10)))
        #expect(policy.psm == .grant(periodicTAU: GPRSTimer(kind: .periodicTAU, byte: 0b0010_0001), activeTime: GPRSTimer(kind: .activeTime, byte: 0b0010_0001)))
        #expect(policy.edrx == .deny)
        #expect(policy.rrcInactivity == .seconds(10))
        #expect(throws: ScenarioRadioError.notATimer(.seconds(61), .activeTime)) {
            try NetworkPolicy().applying(.psm(.grant(periodicTAU: .seconds(3600), activeTime: .seconds(61))))
        }
    }
}
