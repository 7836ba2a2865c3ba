import NetworkModel
import Testing

@Suite struct ScenarioRadioTests {
    @Test func radioNetworkEventsBecomeRadioSteps() throws {
        let text = """
            - at: "00:00:00"
              psm: deny
            - at: "00:00:05"
              psm: {tau: 1h, active: 60s}
              edrx: deny
              rrc_inactivity: 10s
            - at: "00:01:00"
              psm: as-requested
              edrx: as-requested
            - at: "00:02:00"
              psm: {tau: 1152000s, active: 0s}
            """
        let scenario = try ScenarioParser.parse(text, file: "s.yaml")
        #expect(
            scenario.steps == [
                .init(at: .zero, change: .radio(.psm(.deny))),
                .init(at: .seconds(5), change: .radio(.psm(.grant(periodicTAU: .seconds(3600), activeTime: .seconds(60))))),
                .init(at: .seconds(5), change: .radio(.edrx(.deny))),
                .init(at: .seconds(5), change: .radio(.rrcInactivity(.seconds(10)))),
                .init(at: .seconds(60), change: .radio(.psm(.asRequested))),
                .init(at: .seconds(60), change: .radio(.edrx(.asRequested))),
                .init(at: .seconds(120), change: .radio(.psm(.grant(periodicTAU: .seconds(1_152_000), activeTime: .zero)))),
            ])
        #expect(scenario.radioChanges(upTo: .zero) == [.psm(.deny)])
        #expect(scenario.radioChanges(upTo: .seconds(5)).count == 4)
        // Radio changes leave the link's conditions alone.
        #expect(scenario.conditions(at: .seconds(200), from: LinkConditions()) == LinkConditions())
    }

    static let usage = "a PSM policy is as-requested, deny, or {tau: DURATION, active: DURATION}, e.g. {tau: 3600s, active: 60s}"

    @Test(arguments: [
        ("- at: \"00:00:00\"\n  psm: {tau: 3600s, active: 61s}\n",
         "s.yaml:2: psm.active: 61 s is no GPRS timer 2 (T3324) value, which is 0-31 times one unit (2 s, 1 min, 6 min)"),
        ("- at: \"00:00:00\"\n  psm: {tau: 3600s, active: 64s}\n",
         "s.yaml:2: psm.active: 64 s is no GPRS timer 2 (T3324) value, which is 0-31 times one unit (2 s, 1 min, 6 min)"),
        ("- at: \"00:00:00\"\n  psm:\n    tau: 1h\n    active: 187m\n",
         "s.yaml:4: psm.active: 11220 s is above GPRS timer 2 (T3324)'s largest, 31 × 6 min = 186 min (11160 s)"),
        ("- at: \"00:00:00\"\n  psm: {tau: 0s, active: 60s}\n", "s.yaml:2: psm.tau: a periodic TAU is above 0 s"),
        ("- at: \"00:00:00\"\n  psm: {tau: -60s, active: 60s}\n", "s.yaml:2: psm.tau: \"-60s\" is negative"),
        ("- at: \"00:00:00\"\n  psm: {tau: 35712001s, active: 60s}\n",
         "s.yaml:2: psm.tau: 35712001 s is above GPRS timer 3 (T3412 extended)'s largest, 31 × 320 h (35712000 s)"),
        ("- at: \"00:00:00\"\n  psm: {tau: 63s, active: 60s}\n",
         "s.yaml:2: psm.tau: 63 s is no GPRS timer 3 (T3412 extended) value, which is 0-31 times one unit (2 s, 30 s, 1 min, 10 min, 1 h, 10 h, 320 h)"),
        ("- at: \"00:00:00\"\n  psm: {tau: 1.5s, active: 60s}\n",
         "s.yaml:2: psm.tau: 1.5 s is not whole seconds; GPRS timer 3 (T3412 extended) counts 2 s at the finest"),
        ("- at: \"00:00:00\"\n  psm: sometimes\n", "s.yaml:2: psm: \"sometimes\" is unknown; \(usage)"),
        ("- at: \"00:00:00\"\n  psm: {tau: 3600s}\n", "s.yaml:2: psm: both tau and active are needed; \(usage)"),
        ("- at: \"00:00:00\"\n  psm: {tau: 3600s, active: 60s, ptw: 1s}\n", "s.yaml:2: psm: unknown field \"ptw\"; \(usage)"),
        ("- at: \"00:00:00\"\n  psm: [3600s, 60s]\n", "s.yaml:2: psm: \(usage)"),
        ("- at: \"00:00:00\"\n  edrx: maybe\n", "s.yaml:2: edrx: \"maybe\" is not an eDRX policy: as-requested or deny"),
        ("- at: \"00:00:00\"\n  rrc_inactivity: 0s\n", "s.yaml:2: rrc_inactivity: 0 s is not 1-86400 whole seconds"),
        ("- at: \"00:00:00\"\n  rrc_inactivity: 2.5s\n", "s.yaml:2: rrc_inactivity: 2.5 s is not 1-86400 whole seconds"),
    ])
    func badRadioEventsNameFileLineAndField(text: String, expected: String) {
        do {
            let scenario = try ScenarioParser.parse(text, file: "s.yaml")
            Issue.record("parsed: \(scenario)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func theTimerRuleAcceptsExactlyTheGPRSTimerValues() {
        for accepted in [0, 2, 62, 120, 1860, 2160, 11_160] {
            #expect(PSMTimerRule.activeTimeProblem(.seconds(accepted)) == nil, "\(accepted) s")
        }
        for refused in [1, 61, 63, 64, 1920, 11_161, 11_520] {
            #expect(PSMTimerRule.activeTimeProblem(.seconds(refused)) != nil, "\(refused) s")
        }
        for accepted in [2, 30, 62, 930, 3600, 36_000, 111_600, 1_116_000, 35_712_000] {
            #expect(PSMTimerRule.periodicTAUProblem(.seconds(accepted)) == nil, "\(accepted) s")
        }
        for refused in [0, 1, 63, 35_712_001, 35_712_000 + 1_152_000] {
            #expect(PSMTimerRule.periodicTAUProblem(.seconds(refused)) != nil, "\(refused) s")
        }
    }
}
