import Foundation

/// The sample's cJSON handling, as pure functions.
enum SampleJSON {
    /// `{"temperature":25.<uptime % 10>,"timestamp":<uptime_ms>}` (the sample's `send_event()`).
    static func telemetry(uptimeMilliseconds: UInt64) -> String {
        "{\"temperature\":25.\(uptimeMilliseconds % 10),\"timestamp\":\(uptimeMilliseconds)}"
    }

    /// What `event_interval_get()` (samples/net/azure_iot_hub/src/main.c:73-122) finds in a twin document.
    struct EventInterval: Equatable {
        enum Field: Equatable {
            /// `cJSON_Parse()` failed.
            case notJSON
            /// No `telemetryInterval` member.
            case absent
            /// Neither a string nor a number.
            case invalidFormat
            /// `atoi()` of a string or cJSON's `valueint` of a number: may be 0 or negative.
            case value(Int32)
        }

        /// The document has no `desired` member, so its root is taken as the desired object (a desired patch).
        var rootIsDesired: Bool
        var field: Field
    }

    /// `event_interval_get()`'s parsing: `telemetryInterval` from `desired` (full twin) or the root (desired patch),
    /// looked up case-insensitively as `cJSON_GetObjectItem()` does.
    static func eventInterval(_ payload: [UInt8]) -> EventInterval {
        guard let root = try? JSONSerialization.jsonObject(with: Data(payload), options: .fragmentsAllowed) else {
            return EventInterval(rootIsDesired: false, field: .notJSON)
        }
        let desired = Self.member(root, "desired")
        let container = desired ?? root
        let field: EventInterval.Field
        switch Self.member(container, "telemetryInterval") {
        case nil:
            field = .absent
        case let text as String:
            field = .value(Self.atoi(text))
        case let number as NSNumber where String(cString: number.objCType) != "c":
            field = .value(Self.valueint(number.doubleValue))
        default:
            field = .invalidFormat
        }
        return EventInterval(rootIsDesired: desired == nil, field: field)
    }

    /// `cJSON_GetObjectItem()`: the member whose name matches case-insensitively (an exact match first); nil when
    /// `value` is not an object.
    static func member(_ value: Any, _ name: String) -> Any? {
        guard let object = value as? [String: Any] else { return nil }
        if let exact = object[name] { return exact }
        return object.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// C's `atoi()` (newlib: `strtol()` cut to `int`): leading white space, a sign, then digits; 0 when none.
    static func atoi(_ text: String) -> Int32 {
        var bytes = Substring(text).utf8.drop { [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains($0) }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = min(value * 10 + Int64(byte - UInt8(ascii: "0")), Int64(Int32.max) + 1)
        }
        let signed = negative ? -value : value
        return Int32(clamping: signed)
    }

    /// cJSON's `valueint` of a number: the double saturated to `int`, then truncated (cJSON.c `cJSON_SetNumberHelper`).
    static func valueint(_ number: Double) -> Int32 {
        if number >= Double(Int32.max) { return Int32.max }
        if number <= Double(Int32.min) { return Int32.min }
        return Int32(number)
    }

    /// The reported patch the sample sends after reading a new interval (main.c:368-369).
    static func reportedInterval(_ interval: Int32) -> String { "{\"telemetryInterval\":\(interval)}" }
}
