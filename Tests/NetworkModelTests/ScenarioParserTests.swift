import NetworkModel
import Testing

@Suite struct ScenarioParserTests {
    @Test func aTimelineBecomesOrderedStepsAndSpansEnd() throws {
        let text = """
            - at: "00:10:00"
              nat_timeout: 300s
            - at: "00:05:00"
              coverage_lost: {for: 120s}
            - at: "00:00:00"
              bandwidth: nb-iot
              latency: 120ms
              jitter: 20ms
              loss: 1.5%
            - at: "00:20:00"
              dns_failure: {for: 1m}
              nat_timeout: off
            """
        let scenario = try ScenarioParser.parse(text, file: "s.yaml")
        #expect(
            scenario.steps == [
                .init(at: .zero, change: .bandwidth(upKbps: 66, downKbps: 27)),
                .init(at: .zero, change: .latency(.milliseconds(120))),
                .init(at: .zero, change: .jitter(.milliseconds(20))),
                .init(at: .zero, change: .loss(0.015)),
                .init(at: .seconds(300), change: .coverage(false)),
                .init(at: .seconds(420), change: .coverage(true)),
                .init(at: .seconds(600), change: .natTimeout(.seconds(300))),
                .init(at: .seconds(1200), change: .dns(false)),
                .init(at: .seconds(1200), change: .natTimeout(nil)),
                .init(at: .seconds(1260), change: .dns(true)),
            ])
        let during = scenario.conditions(at: .seconds(301), from: LinkConditions())
        #expect(!during.inCoverage && during.latency == .milliseconds(120) && during.natIdleTimeout == nil)
        #expect(scenario.conditions(at: .seconds(420), from: LinkConditions()).inCoverage)
        #expect(scenario.conditions(at: .seconds(700), from: LinkConditions()).natIdleTimeout == .seconds(300))
        #expect(scenario.after(.zero).steps == Array(scenario.steps.dropFirst(4)))
        #expect(scenario.conditions(at: .zero, from: LinkConditions()).uplinkKbps == 66)
    }

    @Test(arguments: [
        ("- at: \"00:00:00\"\n  latency: -5ms\n", "s.yaml:2: latency: \"-5ms\" is negative"),
        ("- at: \"00:00:00\"\n  loss: 120%\n", "s.yaml:2: loss: \"120%\" is not between 0% and 100%"),
        ("- at: \"00:00:00\"\n  earthquake: yes\n", "s.yaml:2: earthquake: unknown event; known: at, latency, jitter, loss, bandwidth, nat_timeout, coverage_lost, dns_failure, psm, edrx, rrc_inactivity"),
        ("- at: \"5 past\"\n  latency: 5ms\n", "s.yaml:1: at: \"5 past\" is not a time HH:MM:SS (e.g. \"00:05:00\")"),
        ("- at: \"00:61:00\"\n  latency: 5ms\n", "s.yaml:1: at: \"00:61:00\" is not a time HH:MM:SS (e.g. \"00:05:00\")"),
        ("- latency: 5ms\n", "s.yaml:1: at: missing: each entry says when (at: \"HH:MM:SS\")"),
        ("- at: \"00:00:00\"\n  coverage_lost: 120s\n", "s.yaml:2: coverage_lost: a span is {for: DURATION}, e.g. {for: 120s}"),
        ("- at: \"00:00:00\"\n\n  coverage_lost: {for: 0s}\n", "s.yaml:3: coverage_lost.for: a span lasts more than 0 s"),
        ("- at: \"00:00:00\"\n  nat_timeout: 0s\n", "s.yaml:2: nat_timeout: a NAT timeout is above 0 s (or off)"),
        ("- at: \"00:00:00\"\n  bandwidth: 5g\n", "s.yaml:2: bandwidth: \"5g\" is neither a profile (lte-m, nb-iot) nor UP/DOWN in kbit/s (e.g. 375/365)"),
        ("at: \"00:00:00\"\n", "s.yaml:1: a scenario is a list of entries (- at: \"HH:MM:SS\" ...)"),
    ])
    func badEntriesNameFileLineAndField(text: String, expected: String) {
        #expect(throws: ScenarioError.self) { try ScenarioParser.parse(text, file: "s.yaml") }
        do {
            _ = try ScenarioParser.parse(text, file: "s.yaml")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func notYAMLNamesTheFileAndLine() {
        do {
            _ = try ScenarioParser.parse("- at: \"00:00:00\"\n  latency: [5ms\n", file: "broken.yaml")
            Issue.record("parsed")
        } catch {
            #expect(error.file == "broken.yaml")
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("broken.yaml:"))
        }
    }

    @Test func conditionTexts() throws {
        #expect(try ConditionText.duration("120ms") == .milliseconds(120))
        #expect(try ConditionText.duration("1.5s") == .milliseconds(1500))
        #expect(try ConditionText.duration("5m") == .seconds(300))
        #expect(throws: ConditionTextError.notADuration("5")) { try ConditionText.duration("5") }
        #expect(try ConditionText.loss("1%") == 0.01)
        #expect(throws: ConditionTextError.notAPercentage("0.01")) { try ConditionText.loss("0.01") }
        #expect(try ConditionText.bandwidth("100/50") == (100, 50))
        #expect(throws: ConditionTextError.bandwidthNotPositive("0/50")) { try ConditionText.bandwidth("0/50") }
    }
}
