import SimCore

/// Plays a ``Scenario`` against a ``DeviceNetwork``: each step when its time comes.
public struct ScenarioRunner: Sendable {
    public let scenario: Scenario
    public let network: DeviceNetwork
    /// Suspends until `offset` from the scenario's start (inject a manual one in tests).
    public let sleep: @Sendable (_ until: Duration) async throws -> Void

    public init(scenario: Scenario, network: DeviceNetwork, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.scenario = scenario
        self.network = network
        self.sleep = sleep
    }

    /// A runner on the host's clock from now, at the network clock's time scale: a step `offset` into the
    /// scenario runs `offset / scale` of real time after the start.
    public static func onHostClock(scenario: Scenario, network: DeviceNetwork) -> ScenarioRunner {
        let start = ContinuousClock.now
        let scale = network.clock.scale
        return ScenarioRunner(scenario: scenario, network: network) { offset in
            try await Task.sleep(until: start + scale.real(offset), clock: .continuous)
        }
    }

    /// Runs to the last step, or until cancelled.
    public func run() async throws {
        for step in self.scenario.steps {
            try await self.sleep(step.at)
            self.network.apply(step.change)
        }
    }
}
