import ArgumentParser
import Foundation
import FirmwareConfig
import NetworkModel
import VirtualModem
import ServiceLifecycle

/// `nrfsim device`'s simulated network flags; any of them turns the network model on (CONFIG_SIM_NET).
struct NetworkOptions: ParsableArguments {
    @Option(help: "One-way latency the simulated network adds, e.g. 120ms (turns the network model on). Default: CONFIG_SIM_NET_LATENCY_MS, or the --bandwidth profile's.")
    var latency: String?

    @Option(help: "Up to this much more one-way delay per chunk, e.g. 20ms. Default: CONFIG_SIM_NET_JITTER_MS, or the --bandwidth profile's.")
    var jitter: String?

    @Option(help: "TCP segment loss, e.g. 1% (each loss delays the stream by a retransmission timeout). Default: CONFIG_SIM_NET_LOSS_PERMILLE.")
    var loss: String?

    @Option(help: "Rate limit: lte-m, nb-iot, or UP/DOWN in kbit/s (e.g. 375/365). Default: CONFIG_SIM_NET_BANDWIDTH.")
    var bandwidth: String?

    @Option(name: .customLong("nat-timeout"), help: "Carrier NAT idle timeout, e.g. 300s, or off: an idle flow is forgotten and the device's next send is reset. Default: CONFIG_SIM_NET_NAT_TIMEOUT_S.")
    var natTimeout: String?

    @Flag(name: .customLong("dns-failure"), help: "Every DNS lookup fails (getaddrinfo() EAI_AGAIN).")
    var dnsFailure = false

    @Option(help: "A scenario file: a YAML timeline of network changes (see README, \"Network model\"). Default: CONFIG_SIM_NET_SCENARIO.")
    var scenario: String?

    var anyGiven: Bool {
        self.latency != nil || self.jitter != nil || self.loss != nil || self.bandwidth != nil || self.natTimeout != nil
            || self.dnsFailure || self.scenario != nil
    }

    func validate() throws {
        _ = try self.conditions(over: LinkConditions())
    }

    /// `base` (from Kconfig) with the flags given applied over it.
    func conditions(over base: LinkConditions) throws(ValidationError) -> LinkConditions {
        var conditions = base
        func parse<T>(_ flag: String, _ text: String?, _ parser: (String) throws(ConditionTextError) -> T) throws(ValidationError) -> T? {
            guard let text else { return nil }
            do { return try parser(text) } catch { throw ValidationError("--\(flag): \(error)") }
        }
        if let text = self.bandwidth, let profile = LinkProfile.named(text) {
            conditions.apply(profile)
        } else if let rates = try parse("bandwidth", self.bandwidth, ConditionText.bandwidth) {
            (conditions.uplinkKbps, conditions.downlinkKbps) = (rates.up, rates.down)
        }
        if let value = try parse("latency", self.latency, ConditionText.duration) { conditions.latency = value }
        if let value = try parse("jitter", self.jitter, ConditionText.duration) { conditions.jitter = value }
        if let value = try parse("loss", self.loss, ConditionText.loss) { conditions.loss = value }
        if let text = self.natTimeout {
            if text == "off" {
                conditions.natIdleTimeout = nil
            } else if let value = try parse("nat-timeout", text, ConditionText.duration) {
                guard value > .zero else { throw ValidationError("--nat-timeout: \"\(text)\" is not above 0 s (or off)") }
                conditions.natIdleTimeout = value
            }
        }
        if self.dnsFailure { conditions.dnsAvailable = false }
        return conditions
    }

    /// The conditions CONFIG_SIM_NET_* give.
    static func conditions(from configuration: SimulatedNetworkConfiguration) throws(CommandFailure) -> LinkConditions {
        var conditions = LinkConditions()
        if !configuration.bandwidth.isEmpty {
            if let profile = LinkProfile.named(configuration.bandwidth) {
                conditions.apply(profile)
            } else {
                do {
                    let rates = try ConditionText.bandwidth(configuration.bandwidth)
                    (conditions.uplinkKbps, conditions.downlinkKbps) = (rates.up, rates.down)
                } catch {
                    throw CommandFailure("CONFIG_SIM_NET_BANDWIDTH: \(error)")
                }
            }
        }
        if configuration.latencyMilliseconds > 0 { conditions.latency = .milliseconds(configuration.latencyMilliseconds) }
        if configuration.jitterMilliseconds > 0 { conditions.jitter = .milliseconds(configuration.jitterMilliseconds) }
        conditions.loss = Double(configuration.lossPermille) / 1000
        if configuration.natTimeoutSeconds > 0 { conditions.natIdleTimeout = .seconds(configuration.natTimeoutSeconds) }
        return conditions
    }

    /// The scenario from --scenario, or CONFIG_SIM_NET_SCENARIO (relative to the application directory).
    func scenario(configured: String?, appDirectory: String) throws(CommandFailure) -> Scenario? {
        let path: String
        if let given = self.scenario {
            path = given
        } else if let configured {
            path = configured.hasPrefix("/") ? configured : URL(fileURLWithPath: appDirectory).appendingPathComponent(configured).path
        } else {
            return nil
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read scenario \(path): \(error.localizedDescription)")
        }
        let scenario: Scenario
        do {
            scenario = try ScenarioParser.parse(text, file: path)
        } catch {
            throw CommandFailure("scenario \(error)")
        }
        // The parser's PSM timer rule and the modem's encoder agree; a change they do not is refused here too.
        var policy = NetworkPolicy()
        for change in scenario.radioChanges(upTo: .seconds(Int64.max)) {
            do { policy = try policy.applying(change) } catch { throw CommandFailure("scenario \(path): \(error)") }
        }
        return scenario
    }
}

/// Plays the device's network scenario from boot.
struct ScenarioService: Service {
    let runner: ScenarioRunner

    func run() async throws {
        do {
            // The device stopping ends the timeline where it is.
            try await cancelWhenGracefulShutdown { try await self.runner.run() }
        } catch is CancellationError {
            return
        }
    }
}
