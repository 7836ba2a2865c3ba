/// Topic filters the emulator refuses to subscribe to, answering 0x80 (failure) in the SUBACK (MQTT 3.1.1 section
/// 3.9.3), so that a client's handling of a refused subscription can be tested (`nrfsim hub --refuse-subscription`).
/// IoT Hub and DPS refuse a subscription only in rare conditions; the emulator does when told to.
///
/// A pattern is compared with the requested filter level by level (levels are separated by `/`): `+` in the
/// pattern stands for any one level, and a final `#` for any remaining levels (none included), so
/// `devices/+/messages/devicebound/#` refuses every device's cloud-to-device subscription.
public struct SubscriptionRefusals: Sendable, Equatable {
    public let patterns: [String]

    public init(_ patterns: [String] = []) { self.patterns = patterns }

    /// Whether a SUBSCRIBE to `filter` is refused.
    public func refuses(_ filter: String) -> Bool {
        self.patterns.contains { Self.matches(pattern: $0, filter: filter) }
    }

    static func matches(pattern: String, filter: String) -> Bool {
        let wanted = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in wanted.enumerated() {
            if level == "#" && index == wanted.count - 1 { return levels.count >= index }
            guard index < levels.count, level == "+" || level == levels[index] else { return false }
        }
        return wanted.count == levels.count
    }
}
