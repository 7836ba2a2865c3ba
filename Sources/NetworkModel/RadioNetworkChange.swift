/// A change to what the simulated LTE network grants the device's modem, from a scenario file. Durations and
/// choices only: the device's command translates them to the modem's encodings.
public enum RadioNetworkChange: Sendable, Equatable {
    /// The network's answer to PSM requests (`+CPSMS`), from the next TAU on.
    case psm(PSM)
    /// The network's answer to eDRX requests (`+CEDRXS`).
    case edrx(EDRX)
    /// The eNB's RRC inactivity timer.
    case rrcInactivity(Duration)

    public enum PSM: Sendable, Equatable {
        case asRequested
        case deny
        /// These timers whatever the device asks; both are exact GPRS timer values (``PSMTimerRule``).
        case grant(periodicTAU: Duration, activeTime: Duration)
    }

    public enum EDRX: Sendable, Equatable {
        case asRequested
        case deny
    }
}

/// Which durations a PSM timer can carry: 3GPP TS 24.008's GPRS timer 3 (10.5.7.4a, T3412 extended, the periodic
/// TAU) and GPRS timer 2 (10.5.7.3, T3324, the active time) are a 5-bit value (0-31) times a unit. A scenario's
/// timer must be exactly one of those products: nothing is rounded, so the `+CEREG` the device sees carries the
/// duration the file says.
public enum PSMTimerRule {
    /// GPRS timer 3's units in seconds (bits 8-6 000 to 110): 10 min, 1 h, 10 h, 2 s, 30 s, 1 min, 320 h.
    public static let periodicTAUUnits = [600, 3600, 36_000, 2, 30, 60, 1_152_000]
    /// GPRS timer 2's units in seconds (000 to 010): 2 s, 1 min, 6 min (decihours).
    public static let activeTimeUnits = [2, 60, 360]

    /// Why `duration` is no periodic TAU, or nil when it is one (above 0 s, at most 31 × 320 h).
    public static func periodicTAUProblem(_ duration: Duration) -> String? {
        guard duration > .zero else { return "a periodic TAU is above 0 s" }
        return Self.problem(duration, units: Self.periodicTAUUnits, timer: "GPRS timer 3 (T3412 extended)", largest: "31 × 320 h")
    }

    /// Why `duration` is no active time, or nil when it is one (0 s, PSM at once after release, to 31 × 6 min).
    public static func activeTimeProblem(_ duration: Duration) -> String? {
        Self.problem(duration, units: Self.activeTimeUnits, timer: "GPRS timer 2 (T3324)", largest: "31 × 6 min = 186 min")
    }

    private static func problem(_ duration: Duration, units: [Int], timer: String, largest: String) -> String? {
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0 else { return "\(Self.secondsText(duration)) is not whole seconds; \(timer) counts 2 s at the finest" }
        let limit = 31 * units.max()!
        guard seconds <= limit else { return "\(seconds) s is above \(timer)'s largest, \(largest) (\(limit) s)" }
        guard units.contains(where: { Int(seconds) % $0 == 0 && Int(seconds) / $0 <= 31 }) else {
            let units = units.sorted().map { "\(Self.unitText($0))" }.joined(separator: ", ")
            return "\(seconds) s is no \(timer) value, which is 0-31 times one unit (\(units))"
        }
        return nil
    }

    /// `61 s`, `1.5 s`: a duration as the messages give it.
    public static func secondsText(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds) s" : "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }

    private static func unitText(_ seconds: Int) -> String {
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
