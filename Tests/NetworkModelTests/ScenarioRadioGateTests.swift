import NetworkModel
import Synchronization
import Testing

/// A scenario's coverage gaps and radio-network changes reach the device's radio through its ``RadioGate``.
@Suite struct ScenarioRadioGateTests {
    final class RecordingRadio: RadioGate {
        let seen = Mutex<[String]>([])
        func uplink() {}
        func downlink(byteCount: Int, deliver: @escaping @Sendable () -> Void) -> Bool {
            deliver()
            return true
        }
        func coverageChanged(_ inCoverage: Bool) { self.seen.withLock { $0.append("coverage \(inCoverage)") } }
        func networkChanged(_ change: RadioNetworkChange) { self.seen.withLock { $0.append("network \(change)") } }
    }

    @Test func theRunnerTellsTheRadioOfGapsAndGrantsOnly() async throws {
        let scenario = try ScenarioParser.parse(
            """
            - at: "00:00:01"
              coverage_lost: {for: 2s}
              latency: 10ms
            - at: "00:00:05"
              psm: {tau: 1h, active: 1m}
              rrc_inactivity: 10s
            """, file: "s.yaml")
        let radio = RecordingRadio()
        let network = DeviceNetwork(radio: radio)
        try await ScenarioRunner(scenario: scenario, network: network, sleep: { _ in }).run()
        #expect(
            radio.seen.withLock { $0 } == [
                "coverage false", "coverage true",
                "network \(RadioNetworkChange.psm(.grant(periodicTAU: .seconds(3600), activeTime: .seconds(60))))",
                "network \(RadioNetworkChange.rrcInactivity(.seconds(10)))",
            ])
        #expect(network.conditions.latency == .milliseconds(10) && network.conditions.inCoverage)
        await network.close()
    }
}
