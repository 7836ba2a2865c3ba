/// The DPS CONNECT user name `{idScope}/registrations/{registrationId}/api-version=…[&ClientVersion=…]` ("Communicate
/// with DPS using the MQTT protocol", learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps): unlike the hub's, it
/// has no `?` before the query.
public struct ProvisioningUsername: Equatable, Sendable {
    public var idScope: String
    public var registrationID: String
    public var apiVersion: String?
    public var clientVersion: String?

    /// Whether a user name has DPS's shape rather than the hub's `{host}/{deviceId}/?api-version=…`: its second
    /// segment is `registrations` and a third segment follows that is not a `?` query. This is how one listener
    /// serves both.
    public static func isProvisioning(_ username: String) -> Bool {
        let parts = username.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 3, omittingEmptySubsequences: false)
        return parts.count >= 3 && parts[1].elementsEqual("registrations".utf8) && parts[2].first != UInt8(ascii: "?")
    }

    public static func parse(_ username: String) throws(TopicError) -> ProvisioningUsername {
        let parts = username.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, !parts[0].isEmpty, parts[1] == "registrations", !parts[2].isEmpty else {
            throw TopicError("user name '\(username)' is not {idScope}/registrations/{registrationId}/api-version=…")
        }
        var result = ProvisioningUsername(idScope: String(parts[0]), registrationID: String(parts[2]))
        if parts.count == 4 {
            guard parts[3].first != "?" else {
                throw TopicError("user name '\(username)' has a '?' before api-version (DPS user names have none)")
            }
            for pair in parts[3].split(separator: "&") {
                guard let equals = pair.firstIndex(of: "=") else {
                    throw TopicError("user name '\(username)' has a query pair '\(pair)' without '='")
                }
                let value = String(pair[pair.index(after: equals)...])
                switch pair[..<equals] {
                case "api-version": result.apiVersion = value
                case "ClientVersion": result.clientVersion = value
                default: break
                }
            }
        }
        return result
    }

    public init(idScope: String, registrationID: String, apiVersion: String? = nil, clientVersion: String? = nil) {
        self.idScope = idScope
        self.registrationID = registrationID
        self.apiVersion = apiVersion
        self.clientVersion = clientVersion
    }
}

/// A DPS request topic that cannot be served, with the request id to answer on when the topic carried one.
public struct ProvisioningTopicError: Error, Equatable, Sendable, CustomStringConvertible {
    public var requestID: String?
    public var description: String

    init(_ description: String, requestID: String?) {
        self.description = description
        self.requestID = requestID
    }
}

/// What a device publishes to DPS (learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps: register, then poll the
/// operation status).
public enum DeviceToProvisioningTopic: Equatable, Sendable {
    /// `$dps/registrations/PUT/iotdps-register/?$rid={rid}`.
    case register(requestID: String)
    /// `$dps/registrations/GET/iotdps-get-operationstatus/?$rid={rid}&operationId={operationId}`.
    case operationStatus(requestID: String, operationID: String)

    /// The `$rid` the response echoes.
    public var requestID: String {
        switch self {
        case .register(let rid), .operationStatus(let rid, _): rid
        }
    }

    /// Parses a request topic. The rules: the `$dps/registrations/` prefix, one of the two operations, a `/?` query
    /// whose pairs all have `=`, a `$rid` of 1–128 characters, and exactly two `$` characters in the whole topic (the
    /// response echoes the `$rid`, and the Python SDK splits the response topic on `$`).
    public static func parse(_ topic: String) throws(ProvisioningTopicError) -> DeviceToProvisioningTopic {
        let requestID = Self.requestID(in: topic)
        func fail(_ reason: String) -> ProvisioningTopicError { ProvisioningTopicError("'\(topic)' \(reason)", requestID: requestID) }
        guard let rest = topic.dropPrefix("$dps/registrations/") else { throw fail("is not a DPS topic") }
        let dollars = topic.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "$") ? 1 : 0) }
        guard dollars == 2 else { throw fail("has \(dollars) '$' characters; a request topic has exactly two") }
        let head: Substring
        let query: [String: String]
        do {
            (head, query) = try splitQuery(rest, in: topic)
        } catch {
            throw ProvisioningTopicError(error.description, requestID: requestID)
        }
        guard let rid = query["$rid"], !rid.isEmpty, rid.utf8.count <= 128 else { throw fail("has no $rid (1–128 characters)") }
        switch head {
        case "PUT/iotdps-register":
            return .register(requestID: rid)
        case "GET/iotdps-get-operationstatus":
            guard let operationID = query["operationId"], !operationID.isEmpty else { throw fail("has no operationId") }
            return .operationStatus(requestID: rid, operationID: operationID)
        default:
            throw fail("names no DPS operation ('PUT/iotdps-register' or 'GET/iotdps-get-operationstatus')")
        }
    }

    /// The `$rid` of a topic that may be malformed otherwise, when it can safely be echoed in a response topic.
    static func requestID(in topic: String) -> String? {
        guard let query = topic.firstIndex(of: "?") else { return nil }
        guard let pair = topic[topic.index(after: query)...].split(separator: "&").first(where: { $0.hasPrefix("$rid=") }) else { return nil }
        let rid = pair.dropFirst("$rid=".count)
        guard !rid.isEmpty, rid.utf8.count <= 128, !rid.contains("$"), !rid.contains("#"), !rid.contains("+"), !rid.contains("/") else {
            return nil
        }
        return String(rid)
    }

    /// The only filter DPS accepts from a device.
    public static let responseFilter = "$dps/registrations/res/#"
}

/// A DPS response topic, `$dps/registrations/res/{status}/?$rid={rid}[&retry-after={seconds}]`.
public struct ProvisioningResponseTopic: Equatable, Sendable {
    public var status: Int
    public var requestID: String
    public var retryAfter: Int?

    public init(status: Int, requestID: String, retryAfter: Int? = nil) {
        self.status = status
        self.requestID = requestID
        self.retryAfter = retryAfter
    }

    public var topic: String {
        "$dps/registrations/res/\(self.status)/?$rid=\(self.requestID)" + (self.retryAfter.map { "&retry-after=\($0)" } ?? "")
    }

    /// Parses a response (the device side's view).
    public static func parse(_ topic: String) throws(TopicError) -> ProvisioningResponseTopic {
        guard let rest = topic.dropPrefix("$dps/registrations/res/") else { throw TopicError("'\(topic)' is not a DPS response topic") }
        let (head, query) = try splitQuery(rest, in: topic)
        guard let status = Int(head) else { throw TopicError("'\(topic)' has no numeric status") }
        guard let rid = query["$rid"], !rid.isEmpty else { throw TopicError("'\(topic)' has no $rid") }
        let retryAfter = try query["retry-after"].map { text throws(TopicError) -> Int in
            guard let seconds = Int(text), seconds >= 0 else { throw TopicError("'\(topic)' has a bad retry-after") }
            return seconds
        }
        return ProvisioningResponseTopic(status: status, requestID: rid, retryAfter: retryAfter)
    }
}
