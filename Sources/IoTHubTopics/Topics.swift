/// What a device publishes to the hub ("Communicate with an IoT hub using the MQTT protocol",
/// learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub: "Sending device-to-cloud messages", the twin and method
/// sections).
public enum DeviceToHubTopic: Equatable, Sendable {
    /// `devices/{id}[/modules/{mid}]/messages/events[/][?]{bag}`.
    case telemetry(deviceID: String, moduleID: String?, properties: PropertyBag)
    /// `$iothub/methods/res/{status}/?$rid={rid}`.
    case methodResponse(status: Int, requestID: String)
    /// `$iothub/twin/GET/?$rid={rid}`.
    case twinGet(requestID: String)
    /// `$iothub/twin/PATCH/properties/reported/?$rid={rid}`.
    case twinReportedPatch(requestID: String)

    /// Parses a device's PUBLISH topic; anything else is an unknown topic (the hub closes the connection).
    public static func parse(_ topic: String) throws(TopicError) -> DeviceToHubTopic {
        if topic.utf8.starts(with: "devices/".utf8) {
            // Split on '/' as bytes: devices/{id}/messages/events[/bag] or devices/{id}/modules/{mid}/messages/events[/bag]
            let parts = topic.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 6, omittingEmptySubsequences: false)
            let isModule = parts.count >= 4 && parts[2].elementsEqual("modules".utf8)
            let first = isModule ? 4 : 2
            let deviceID = parts.count > 1 ? String(Substring(parts[1])) : ""
            let moduleID = isModule ? String(Substring(parts[3])) : nil
            guard !deviceID.isEmpty, moduleID.map({ !$0.isEmpty }) ?? true, parts.count >= first + 2,
                parts[first].elementsEqual("messages".utf8), parts[first + 1].elementsEqual("events".utf8)
            else {
                throw TopicError("'\(topic)' is not a telemetry topic")
            }
            // The bag is everything after "events/" (it may itself contain '/').
            var bag = Substring("")
            if parts.count > first + 2 {
                bag = Substring(topic.utf8[parts[first + 2].startIndex...])
            }
            return .telemetry(deviceID: deviceID, moduleID: moduleID, properties: try PropertyBag.parse(bag))
        }
        if let rest = topic.dropPrefix("$iothub/methods/res/") {
            let (head, query) = try splitQuery(rest, in: topic)
            guard let status = Int(head), !head.isEmpty else { throw TopicError("'\(topic)' has no numeric status") }
            return .methodResponse(status: status, requestID: try requestID(query, in: topic))
        }
        if let rest = topic.dropPrefix("$iothub/twin/GET/") {
            let (head, query) = try splitQuery(rest, in: topic)
            guard head.isEmpty else { throw TopicError("'\(topic)' is not a twin GET topic") }
            return .twinGet(requestID: try requestID(query, in: topic))
        }
        if let rest = topic.dropPrefix("$iothub/twin/PATCH/properties/reported/") {
            let (head, query) = try splitQuery(rest, in: topic)
            guard head.isEmpty else { throw TopicError("'\(topic)' is not a reported-properties topic") }
            return .twinReportedPatch(requestID: try requestID(query, in: topic))
        }
        throw TopicError("'\(topic)' is not an IoT Hub device topic")
    }
}

/// What the hub publishes to a device.
public enum HubToDeviceTopic: Equatable, Sendable {
    /// `devices/{id}/messages/devicebound/{bag}` (QoS 1).
    case cloudToDevice(deviceID: String, properties: PropertyBag)
    /// `$iothub/methods/POST/{name}/?$rid={rid}`.
    case methodRequest(name: String, requestID: String)
    /// `$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]`.
    case twinResponse(status: Int, requestID: String, version: Int?)
    /// `$iothub/twin/PATCH/properties/desired/?$version={v}`.
    case desiredPatch(version: Int)

    /// The topic text. A C2D bag never starts with `?`, and the trailing slash stays even when it is empty.
    public var topic: String {
        switch self {
        case .cloudToDevice(let deviceID, let properties):
            return "devices/\(deviceID)/messages/devicebound/" + properties.encoded
        case .methodRequest(let name, let requestID):
            return "$iothub/methods/POST/\(name)/?$rid=\(requestID)"
        case .twinResponse(let status, let requestID, let version):
            return "$iothub/twin/res/\(status)/?$rid=\(requestID)" + (version.map { "&$version=\($0)" } ?? "")
        case .desiredPatch(let version):
            return "$iothub/twin/PATCH/properties/desired/?$version=\(version)"
        }
    }

    /// Parses a topic the hub published (the device side's view).
    public static func parse(_ topic: String) throws(TopicError) -> HubToDeviceTopic {
        if topic.hasPrefix("devices/") {
            let parts = topic.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, !parts[1].isEmpty, parts[2] == "messages", parts[3] == "devicebound" else {
                throw TopicError("'\(topic)' is not a cloud-to-device topic")
            }
            return .cloudToDevice(deviceID: String(parts[1]), properties: try PropertyBag.parse(parts[4]))
        }
        if let rest = topic.dropPrefix("$iothub/methods/POST/") {
            let (head, query) = try splitQuery(rest, in: topic)
            guard !head.isEmpty else { throw TopicError("'\(topic)' has no method name") }
            return .methodRequest(name: String(head), requestID: try requestID(query, in: topic))
        }
        if let rest = topic.dropPrefix("$iothub/twin/res/") {
            let (head, query) = try splitQuery(rest, in: topic)
            guard let status = Int(head) else { throw TopicError("'\(topic)' has no numeric status") }
            let version = try query["$version"].map { text throws(TopicError) -> Int in
                guard let number = Int(text) else { throw TopicError("'\(topic)' has a non-numeric $version") }
                return number
            }
            return .twinResponse(status: status, requestID: try requestID(query, in: topic), version: version)
        }
        if let rest = topic.dropPrefix("$iothub/twin/PATCH/properties/desired/") {
            let (head, query) = try splitQuery(rest, in: topic)
            guard head.isEmpty, let text = query["$version"], let version = Int(text) else {
                throw TopicError("'\(topic)' has no numeric $version")
            }
            return .desiredPatch(version: version)
        }
        throw TopicError("'\(topic)' is not an IoT Hub topic")
    }
}

/// The SUBSCRIBE filters IoT Hub accepts from a device (the same page, "Receiving cloud-to-device messages": only the
/// documented topic filters); anything else closes the connection.
public enum DeviceSubscription: Equatable, Sendable {
    case cloudToDevice
    case methods
    case twinResponses
    case desiredPatches

    /// The kind of a filter for `deviceID`: the device's own C2D filter or the `+` form, or one of the `$iothub` ones.
    public static func parse(_ filter: String, deviceID: String) throws(TopicError) -> DeviceSubscription {
        switch filter {
        case "devices/\(deviceID)/messages/devicebound/#", "devices/+/messages/devicebound/#": return .cloudToDevice
        case "$iothub/methods/POST/#": return .methods
        case "$iothub/twin/res/#": return .twinResponses
        case "$iothub/twin/PATCH/properties/desired/#": return .desiredPatches
        default: throw TopicError("'\(filter)' is not a topic filter IoT Hub accepts for \(deviceID)")
        }
    }
}

/// Splits `head/?query` (the part after a fixed prefix) into the head and its query pairs.
func splitQuery(_ rest: Substring, in topic: String) throws(TopicError) -> (Substring, [String: String]) {
    if rest.first == "?" { return (rest[rest.startIndex..<rest.startIndex], try queryPairs(rest.dropFirst(), in: topic)) }
    var cursor = rest.startIndex
    var marker: Substring.Index?
    while cursor < rest.endIndex {
        let next = rest.index(after: cursor)
        if rest[cursor] == "/", next < rest.endIndex, rest[next] == "?" {
            marker = cursor
            break
        }
        cursor = next
    }
    guard let marker else { throw TopicError("'\(topic)' has no '/?' query") }
    return (rest[..<marker], try queryPairs(rest[rest.index(marker, offsetBy: 2)...], in: topic))
}

private func queryPairs(_ text: Substring, in topic: String) throws(TopicError) -> [String: String] {
    var query: [String: String] = [:]
    for pair in text.split(separator: "&") {
        guard let equals = pair.firstIndex(of: "=") else { throw TopicError("'\(topic)' has a query pair without '='") }
        query[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    return query
}

private func requestID(_ query: [String: String], in topic: String) throws(TopicError) -> String {
    guard let rid = query["$rid"], !rid.isEmpty, rid.utf8.count <= 128 else {
        throw TopicError("'\(topic)' has no $rid (1–128 characters)")
    }
    return rid
}

extension String {
    func dropPrefix(_ prefix: String) -> Substring? {
        self.hasPrefix(prefix) ? self.dropFirst(prefix.count) : nil
    }
}
