/// A network policy given as text (a command-line argument) that cannot be read.
public enum NetworkPolicyParseError: Error, Equatable, CustomStringConvertible {
    case psm(String, reason: String)
    case edrx(String, reason: String)

    public var description: String {
        switch self {
        case .psm(let text, let reason): "\"\(text)\" is not a PSM policy (as-requested, deny, or TAU,ACTIVE as two 8-bit timer strings, e.g. 00000011,00100001): \(reason)"
        case .edrx(let text, let reason): "\"\(text)\" is not an eDRX policy (as-requested, deny, or EDRX,PTW as two 4-bit strings, e.g. 1001,0011): \(reason)"
        }
    }
}

extension NetworkPolicy.PSMGrant {
    /// `as-requested`, `deny`, or `<Periodic-TAU-ext>,<Active-Time>` (the timers the network grants).
    public init(parsing text: String) throws(NetworkPolicyParseError) {
        switch text {
        case "as-requested": self = .asRequested
        case "deny": self = .deny
        default:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw .psm(text, reason: "\(parts.count) comma-separated parts, 2 required") }
            do {
                self = .grant(
                    periodicTAU: try GPRSTimer(kind: .periodicTAU, bits: parts[0]),
                    activeTime: try GPRSTimer(kind: .activeTime, bits: parts[1]))
            } catch {
                throw .psm(text, reason: "\(error)")
            }
        }
    }
}

extension NetworkPolicy.EDRXGrant {
    /// `as-requested`, `deny`, or `<NW-provided_eDRX_value>,<Paging_time_window>`.
    public init(parsing text: String) throws(NetworkPolicyParseError) {
        switch text {
        case "as-requested": self = .asRequested
        case "deny": self = .deny
        default:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw .edrx(text, reason: "\(parts.count) comma-separated parts, 2 required") }
            do {
                self = .grant(value: try EDRXNibble(bits: parts[0]), pagingTimeWindow: try EDRXNibble(bits: parts[1]))
            } catch {
                throw .edrx(text, reason: "\(error)")
            }
        }
    }
}
