/// The text forms of conditions that the CLI flags, the Kconfig options and scenario files share.
public enum ConditionText {
    /// A non-negative duration with a unit: `120ms`, `20s`, `5m`, `1h` (`1.5s` too).
    public static func duration(_ text: String) throws(ConditionTextError) -> Duration {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        let trimmed = text.trimmingWhitespace
        for (unit, scale) in units where trimmed.hasSuffix(unit) {
            let number = trimmed.dropLast(unit.count)
            // "5ms" ends in "s" too: the longest unit is tried first.
            guard let value = Double(number), value.isFinite else { continue }
            guard value >= 0 else { throw .negative(text) }
            return .nanoseconds(Int64((value * scale * 1e9).rounded()))
        }
        throw .notADuration(text)
    }

    /// A loss rate in percent, `0%` to `100%` (`1%`, `0.5%`): a probability 0...1.
    public static func loss(_ text: String) throws(ConditionTextError) -> Double {
        let trimmed = text.trimmingWhitespace
        guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()), value.isFinite else { throw .notAPercentage(text) }
        guard (0...100).contains(value) else { throw .percentageOutOfRange(text) }
        return value / 100
    }

    /// A profile name (`lte-m`, `nb-iot`) or `UP/DOWN` in kbit/s (`375/365`).
    public static func bandwidth(_ text: String) throws(ConditionTextError) -> (up: Int, down: Int) {
        if let profile = LinkProfile.named(text.trimmingWhitespace) { return (profile.uplinkKbps, profile.downlinkKbps) }
        let parts = text.trimmingWhitespace.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let up = Int(parts[0]), let down = Int(parts[1]) else { throw .notABandwidth(text) }
        guard up > 0, down > 0 else { throw .bandwidthNotPositive(text) }
        return (up, down)
    }

    /// `HH:MM:SS` from the scenario's start.
    public static func clockTime(_ text: String) throws(ConditionTextError) -> Duration {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Int(parts[2]),
            hours >= 0, (0..<60).contains(minutes), (0..<60).contains(seconds)
        else { throw .notAClockTime(text) }
        return .seconds(hours * 3600 + minutes * 60 + seconds)
    }
}

/// A condition's text is not what it should be; names the text.
public enum ConditionTextError: Error, Equatable, CustomStringConvertible {
    case notADuration(String)
    case negative(String)
    case notAPercentage(String)
    case percentageOutOfRange(String)
    case notABandwidth(String)
    case bandwidthNotPositive(String)
    case notAClockTime(String)

    public var description: String {
        switch self {
        case .notADuration(let text): return "\"\(text)\" is not a duration (a number with ms, s, m or h: 120ms, 20s)"
        case .negative(let text): return "\"\(text)\" is negative"
        case .notAPercentage(let text): return "\"\(text)\" is not a percentage (e.g. 1%)"
        case .percentageOutOfRange(let text): return "\"\(text)\" is not between 0% and 100%"
        case .notABandwidth(let text):
            return "\"\(text)\" is neither a profile (\(LinkProfile.all.map(\.name).joined(separator: ", "))) nor UP/DOWN in kbit/s (e.g. 375/365)"
        case .bandwidthNotPositive(let text): return "\"\(text)\": both rates must be above 0 kbit/s"
        case .notAClockTime(let text): return "\"\(text)\" is not a time HH:MM:SS (e.g. \"00:05:00\")"
        }
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
