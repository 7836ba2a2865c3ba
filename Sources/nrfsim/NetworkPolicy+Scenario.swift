import NetworkModel
import VirtualModem

/// A scenario's radio-network change that the modem's encodings cannot carry.
enum ScenarioRadioError: Error, Equatable, CustomStringConvertible {
    case notATimer(Duration, GPRSTimer.Kind)

    var description: String {
        switch self {
        case .notATimer(let duration, let kind):
            "\(duration) is no exact \(kind == .periodicTAU ? "Periodic-TAU-ext (GPRS timer 3)" : "Active-Time (GPRS timer 2)") value"
        }
    }
}

extension NetworkPolicy {
    /// This policy with a scenario's change: durations become the GPRS timer that represents them exactly.
    func applying(_ change: RadioNetworkChange) throws(ScenarioRadioError) -> NetworkPolicy {
        var policy = self
        switch change {
        case .psm(.asRequested): policy.psm = .asRequested
        case .psm(.deny): policy.psm = .deny
        case .psm(.grant(let tau, let active)):
            policy.psm = .grant(periodicTAU: try Self.timer(tau, .periodicTAU), activeTime: try Self.timer(active, .activeTime))
        case .edrx(.asRequested): policy.edrx = .asRequested
        case .edrx(.deny): policy.edrx = .deny
        case .rrcInactivity(let timer): policy.rrcInactivity = timer
        }
        return policy
    }

    private static func timer(_ duration: Duration, _ kind: GPRSTimer.Kind) throws(ScenarioRadioError) -> GPRSTimer {
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0, let timer = GPRSTimer.exact(seconds: Int(seconds), kind: kind) else { throw .notATimer(duration, kind) }
        return timer
    }
}
