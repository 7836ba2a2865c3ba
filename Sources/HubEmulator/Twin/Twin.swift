import JSON

/// A device twin: tags, desired and reported properties with their versions and `$metadata`
/// ("Understand and use device twins in IoT Hub", learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins).
public struct Twin: Equatable, Sendable {
    public var tags = JSONObject()
    public var desired = JSONObject()
    public var reported = JSONObject()
    public var desiredMetadata = JSONObject()
    public var reportedMetadata = JSONObject()
    public var desiredVersion = 1
    public var reportedVersion = 1
    /// Changes with any twin change.
    public var version = 1

    public init() {}

    /// `etag`: the version as Azure spells it, base64 of a big-endian 64-bit integer.
    public var etag: String { base64(bigEndian: UInt64(self.version)) }

    /// What a device GET returns: `{"desired":{…,"$version":n},"reported":{…,"$version":m}}`.
    public var deviceDocument: JSONValue {
        var desired = self.desired
        desired["$version"] = .integer(Int64(self.desiredVersion))
        var reported = self.reported
        reported["$version"] = .integer(Int64(self.reportedVersion))
        return .object(JSONObject([("desired", .object(desired)), ("reported", .object(reported))]))
    }

    /// The `properties` member of the service's twin document, with `$metadata` and `$version`.
    public var propertiesDocument: JSONValue {
        var desired = self.desired
        desired["$metadata"] = .object(self.desiredMetadata)
        desired["$version"] = .integer(Int64(self.desiredVersion))
        var reported = self.reported
        reported["$metadata"] = .object(self.reportedMetadata)
        reported["$version"] = .integer(Int64(self.reportedVersion))
        return .object(JSONObject([("desired", .object(desired)), ("reported", .object(reported))]))
    }

    /// A device's reported-properties PATCH: a JSON merge (null deletes). Returns the new reported version.
    public mutating func applyReported(_ patch: JSONValue, now: String) throws(TwinError) -> Int {
        guard case .object(let members) = patch else { throw TwinError.badRequest("the patch is not a JSON object") }
        try validate(members, depth: 1)
        try checkSize(merged(self.reported, members), limit: 32 * 1024, what: "reported properties")
        merge(members, into: &self.reported, metadata: &self.reportedMetadata, now: now)
        self.reportedVersion += 1
        self.version += 1
        return self.reportedVersion
    }

    /// The service's PATCH (`{"tags":…,"properties":{"desired":…}}`). Returns the desired patch to notify the device
    /// with (the change as applied, with `$version`), or nil when desired did not change.
    public mutating func applyServicePatch(_ body: JSONValue, now: String) throws(TwinError) -> JSONValue? {
        guard case .object(let object) = body else { throw TwinError.badRequest("the twin patch is not a JSON object") }
        let tags = object["tags"]?.objectValue
        let desired = object["properties"]?["desired"]?.objectValue
        if let tags {
            try validate(tags, depth: 1)
            try checkSize(merged(self.tags, tags), limit: 8 * 1024, what: "tags")
        }
        if let desired {
            try validate(desired, depth: 1)
            try checkSize(merged(self.desired, desired), limit: 32 * 1024, what: "desired properties")
        }
        var ignored = JSONObject()
        if let tags { merge(tags, into: &self.tags, metadata: &ignored, now: now) }
        guard let desired, !desired.isEmpty else {
            if tags != nil { self.version += 1 }
            return nil
        }
        merge(desired, into: &self.desired, metadata: &self.desiredMetadata, now: now)
        self.desiredVersion += 1
        self.version += 1
        var notification = desired
        notification["$version"] = .integer(Int64(self.desiredVersion))
        return .object(notification)
    }

    /// The service's PUT: replaces tags and desired properties. Returns the full desired document to notify.
    public mutating func applyServiceReplace(_ body: JSONValue, now: String) throws(TwinError) -> JSONValue {
        guard case .object(let object) = body else { throw TwinError.badRequest("the twin is not a JSON object") }
        var tags = object["tags"]?.objectValue ?? JSONObject()
        var desired = object["properties"]?["desired"]?.objectValue ?? JSONObject()
        tags["$metadata"] = nil
        desired["$metadata"] = nil
        desired["$version"] = nil
        try validate(tags, depth: 1)
        try validate(desired, depth: 1)
        try checkSize(tags, limit: 8 * 1024, what: "tags")
        try checkSize(desired, limit: 32 * 1024, what: "desired properties")
        self.tags = tags
        self.desired = JSONObject()
        self.desiredMetadata = JSONObject()
        merge(desired, into: &self.desired, metadata: &self.desiredMetadata, now: now)
        self.desiredVersion += 1
        self.version += 1
        var notification = self.desired
        notification["$version"] = .integer(Int64(self.desiredVersion))
        return .object(notification)
    }
}

/// Why a twin operation failed, as the status the hub answers with.
public enum TwinError: Error, Equatable, Sendable {
    /// 400: malformed JSON, an invalid key or value.
    case badRequest(String)
    /// 413: over the size limit.
    case tooLarge(String)

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .tooLarge: return 413
        }
    }

    public var message: String {
        switch self {
        case .badRequest(let text), .tooLarge(let text): return text
        }
    }
}

/// Keys: at most 1 KB, no control characters, no `.`, `$` or space. Values: depth at most 10, strings at most 4 KB,
/// integers within ±2^52.
private func validate(_ object: JSONObject, depth: Int) throws(TwinError) {
    if depth > 10 { throw TwinError.badRequest("the document is nested deeper than 10 levels") }
    for (key, value) in object.members {
        if key.isEmpty || key.utf8.count > 1024 { throw TwinError.badRequest("the property name '\(key)' is empty or longer than 1 KB") }
        if key.unicodeScalars.contains(where: { $0 == "." || $0 == "$" || $0 == " " || $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw TwinError.badRequest("the property name '\(key)' contains '.', '$', a space or a control character")
        }
        try validate(value, depth: depth)
    }
}

private func validate(_ value: JSONValue, depth: Int) throws(TwinError) {
    switch value {
    case .object(let object): try validate(object, depth: depth + 1)
    case .array(let items): for item in items { try validate(item, depth: depth + 1) }
    case .string(let text) where text.utf8.count > 4096: throw TwinError.badRequest("a string value is longer than 4 KB")
    case .integer(let number) where abs(number) > 4_503_599_627_370_495: throw TwinError.badRequest("the integer \(number) is out of range")
    default: break
    }
}

private func checkSize(_ object: JSONObject, limit: Int, what: String) throws(TwinError) {
    let size = JSONValue.object(object).text.utf8.count
    if size > limit { throw TwinError.tooLarge("the \(what) would be \(size) bytes, over the \(limit)-byte limit") }
}

private func merged(_ base: JSONObject, _ patch: JSONObject) -> JSONObject {
    var copy = base
    var metadata = JSONObject()
    merge(patch, into: &copy, metadata: &metadata, now: "")
    return copy
}

/// JSON merge: members add or replace, null deletes, objects merge recursively; `$lastUpdated` follows every change.
private func merge(_ patch: JSONObject, into target: inout JSONObject, metadata: inout JSONObject, now: String) {
    metadata["$lastUpdated"] = .string(now)
    for (key, value) in patch.members {
        switch value {
        case .null:
            target[key] = nil
            metadata[key] = nil
        case .object(let inner):
            var current = target[key]?.objectValue ?? JSONObject()
            var innerMetadata = metadata[key]?.objectValue ?? JSONObject()
            if target[key]?.objectValue == nil { innerMetadata = JSONObject() }
            merge(inner, into: &current, metadata: &innerMetadata, now: now)
            target[key] = .object(current)
            metadata[key] = .object(innerMetadata)
        default:
            target[key] = value
            metadata[key] = .object(JSONObject([("$lastUpdated", .string(now))]))
        }
    }
}

func base64(bigEndian value: UInt64) -> String {
    let bytes = (0..<8).map { UInt8((value >> (8 * (7 - UInt64($0)))) & 0xFF) }
    return base64Encode(bytes)
}

func base64Encode(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    var index = 0
    while index + 2 < bytes.count {
        let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
        out.append(alphabet[Int(n >> 18)]); out.append(alphabet[Int((n >> 12) & 63)])
        out.append(alphabet[Int((n >> 6) & 63)]); out.append(alphabet[Int(n & 63)])
        index += 3
    }
    let rest = bytes.count - index
    if rest == 1 {
        let n = UInt32(bytes[index]) << 16
        out.append(alphabet[Int(n >> 18)]); out.append(alphabet[Int((n >> 12) & 63)]); out += "=="
    } else if rest == 2 {
        let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
        out.append(alphabet[Int(n >> 18)]); out.append(alphabet[Int((n >> 12) & 63)]); out.append(alphabet[Int((n >> 6) & 63)]); out += "="
    }
    return out
}
