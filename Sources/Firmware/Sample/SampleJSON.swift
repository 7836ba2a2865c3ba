import Foundation

/// The sample's cJSON handling, as pure functions.
enum SampleJSON {
    /// `{"temperature":25.<uptime % 10>,"timestamp":<uptime_ms>}` (the sample's `send_event()`).
    static func telemetry(uptimeMilliseconds: UInt64) -> String {
        "{\"temperature\":25.\(uptimeMilliseconds % 10),\"timestamp\":\(uptimeMilliseconds)}"
    }

    /// `event_interval_get()`: `telemetryInterval` from `desired` (full twin) or the root (desired patch), as a
    /// number or a numeric string. Nil when absent or not a number.
    static func telemetryInterval(_ payload: [UInt8]) -> Int? {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] else { return nil }
        let container = (root["desired"] as? [String: Any]) ?? root
        switch container["telemetryInterval"] {
        case let number as NSNumber where String(cString: number.objCType) != "c": return number.intValue
        case let text as String: return Int(text)
        default: return nil
        }
    }

    /// The reported patch the sample sends after applying a new interval.
    static func reportedInterval(_ interval: Int) -> String { "{\"telemetryInterval\":\(interval)}" }
}
