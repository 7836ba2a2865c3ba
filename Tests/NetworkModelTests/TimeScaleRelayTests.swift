import NetworkModel
import SimCore
import Testing

/// The network model under `--time-scale`: simulated delays wait delay / scale of real time; scenario steps run at
/// their simulated offsets divided by the scale.
@Suite struct TimeScaleRelayTests {
    static let scale = try! TimeScale(600)

    @Test func aSimulatedMinuteOfLatencyTakesATenthOfARealSecondAtScale600() async throws {
        let cloud = try await CloudServer()
        var conditions = LinkConditions()
        conditions.latency = .seconds(60)
        let network = DeviceNetwork(conditions: conditions, clock: ManualClock(scale: Self.scale))
        let relay = try #require(try network.relayAddress(for: "127.0.0.1", port: cloud.port))
        let device = try DeviceSocket(port: relay.port)
        let sent = ContinuousClock.now
        try device.send("up")
        // Unscaled, the bytes would wait a minute: `eventually` gives up after 10 s.
        #expect(try await eventually { cloud.received == "up" })
        #expect(ContinuousClock.now - sent >= .milliseconds(100))
        let replied = ContinuousClock.now
        cloud.reply("down")
        #expect(try device.receive(4) == "down")
        #expect(ContinuousClock.now - replied >= .milliseconds(100))
        await network.close()
        await cloud.stop()
    }

    @Test(.timeLimit(.minutes(1))) func aScenarioStepTenSimulatedMinutesInRunsAfterOneRealSecondAtScale600() async throws {
        let scenario = try ScenarioParser.parse("- at: \"00:10:00\"\n  latency: 120ms\n", file: "s.yaml")
        let network = DeviceNetwork(clock: HostClock(scale: Self.scale))
        let started = ContinuousClock.now
        let runner = ScenarioRunner.onHostClock(scenario: scenario, network: network)
        // The runner returns after its last step: wait for that, not for a deadline (a loaded test run may hold the
        // task back longer than any fixed wait).
        try await runner.run()
        #expect(network.conditions.latency == .milliseconds(120))
        #expect(ContinuousClock.now - started >= .seconds(1))
    }
}
