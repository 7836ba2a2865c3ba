import Foundation

/// Mirrors the Azure SDK for Embedded C's `az_iot_hub_client` (the revision NCS 2.9 pins, 1.4.0-beta.2): the
/// user name, the topics the device publishes to and subscribes to, and the parsing of incoming topics.
/// Pure; written independently of the emulator's topic codec so the two check each other.
public enum AzureIoTHubClient {
    /// `AZ_SDK_VERSION_STRING` at the pinned revision.
    public static let sdkVersion = "1.4.0-beta.2"
    public static let apiVersion = "2020-09-30"

    /// `az_iot_hub_client_get_user_name()`.
    public static func userName(hostname: String, deviceID: String) -> String {
        "\(hostname)/\(deviceID)/?api-version=\(apiVersion)&DeviceClientType=azsdk-c%2F\(sdkVersion)"
    }

    /// The four subscriptions `azure_iot_hub.c` sends in one SUBSCRIBE, in order (the C2D one is the SDK's
    /// wildcard constant, not the device's own topic).
    public static let subscriptions = [
        "devices/+/messages/devicebound/#",
        "$iothub/methods/POST/#",
        "$iothub/twin/PATCH/properties/desired/#",
        "$iothub/twin/res/#",
    ]

    /// `az_iot_hub_client_telemetry_get_publish_topic()`: properties appended as `k=v&k=v`, not URL-encoded.
    public static func telemetryTopic(deviceID: String, properties: [(key: String, value: String)]) -> String {
        "devices/\(deviceID)/messages/events/" + properties.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// `az_iot_hub_client_twin_document_get_publish_topic()`.
    public static func twinGetTopic(requestID: String) -> String { "$iothub/twin/GET/?$rid=\(requestID)" }

    /// `az_iot_hub_client_twin_patch_get_publish_topic()`.
    public static func twinPatchTopic(requestID: String) -> String {
        "$iothub/twin/PATCH/properties/reported/?$rid=\(requestID)"
    }

    /// `az_iot_hub_client_methods_response_get_publish_topic()`.
    public static func methodResponseTopic(status: UInt32, requestID: String) -> String {
        "$iothub/methods/res/\(status)/?$rid=\(requestID)"
    }

    /// `az_iot_hub_client_c2d_parse_received_topic()`: the property string after `/messages/devicebound/`.
    public static func parseCloudToDevice(_ topic: String) -> String? {
        guard let range = topic.range(of: "/messages/devicebound/") else { return nil }
        return String(topic[range.upperBound...])
    }

    /// A received direct method request.
    public struct MethodRequest: Equatable, Sendable {
        public var name: String
        public var requestID: String
    }

    /// `az_iot_hub_client_methods_parse_received_topic()`: `$iothub/methods/POST/{name}/?$rid={rid}`. A topic
    /// with the prefix but no name or rid parses with an empty field (the library warns and drops it).
    public static func parseMethod(_ topic: String) -> MethodRequest? {
        let prefix = "$iothub/methods/POST/"
        guard topic.hasPrefix(prefix) else { return nil }
        let rest = topic.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return MethodRequest(name: String(rest), requestID: "") }
        let name = String(rest[..<slash])
        let query = rest[rest.index(after: slash)...]
        return MethodRequest(name: name, requestID: Self.queryValue("$rid", in: query) ?? "")
    }

    /// What a twin topic carries.
    public enum TwinResponse: Equatable, Sendable {
        /// `$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]`.
        case response(status: UInt32, requestID: String, version: String?)
        /// `$iothub/twin/PATCH/properties/desired/?$version={v}`.
        case desiredPatch(version: String)
    }

    /// `az_iot_hub_client_twin_parse_received_topic()`. A desired PATCH must carry `$version`: the SDK looks it up
    /// with `az_iot_message_properties_find()` and fails the parse without it, so the topic is not a twin one.
    public static func parseTwin(_ topic: String) -> TwinResponse? {
        if topic.hasPrefix("$iothub/twin/PATCH/properties/desired/") {
            return Self.queryValue("$version", in: Substring(topic)).map { .desiredPatch(version: $0) }
        }
        let prefix = "$iothub/twin/res/"
        guard topic.hasPrefix(prefix) else { return nil }
        let rest = topic.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/"), let status = UInt32(rest[..<slash]) else { return nil }
        let query = rest[rest.index(after: slash)...]
        return .response(
            status: status, requestID: Self.queryValue("$rid", in: query) ?? "",
            version: Self.queryValue("$version", in: query))
    }

    /// The value of `key` in a `?a=1&b=2` query (no decoding, as the SDK).
    static func queryValue(_ key: String, in text: Substring) -> String? {
        let query = text.firstIndex(of: "?").map { text[text.index(after: $0)...] } ?? text
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first == Substring(key) { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }
}
