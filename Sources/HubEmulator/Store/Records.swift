import JSON

/// An IoT hub the emulator serves: its name, hostname and shared access policies.
public struct HubRecord: Equatable, Sendable {
    public var name: String
    public var hostname: String
    /// Policy name → (primary key, secondary key) (base64).
    public var policies: [String: (primary: String, secondary: String)]

    public static func == (a: HubRecord, b: HubRecord) -> Bool {
        a.name == b.name && a.hostname == b.hostname && a.policies.keys.sorted() == b.policies.keys.sorted()
            && a.policies.allSatisfy { b.policies[$0.key]?.primary == $0.value.primary && b.policies[$0.key]?.secondary == $0.value.secondary }
    }

    var json: JSONValue {
        let policies = self.policies.keys.sorted().map { name in
            (name, JSONValue.object(JSONObject([("primaryKey", .string(self.policies[name]!.primary)), ("secondaryKey", .string(self.policies[name]!.secondary))])))
        }
        return .object(JSONObject([("name", .string(self.name)), ("hostname", .string(self.hostname)), ("policies", .object(JSONObject(policies)))]))
    }

    init(name: String, hostname: String, policies: [String: (primary: String, secondary: String)]) {
        self.name = name
        self.hostname = hostname
        self.policies = policies
    }

    init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let hostname = json["hostname"]?.stringValue,
            let policies = json["policies"]?.objectValue
        else { return nil }
        self.name = name
        self.hostname = hostname
        self.policies = [:]
        for (policy, keys) in policies.members {
            self.policies[policy] = (keys["primaryKey"]?.stringValue ?? "", keys["secondaryKey"]?.stringValue ?? "")
        }
    }
}

/// How a device authenticates.
public enum DeviceAuthentication: Equatable, Sendable {
    case sas(primaryKey: String, secondaryKey: String)
    /// X.509 self-signed: SHA-1 or SHA-256 thumbprints (hex).
    case selfSigned(primaryThumbprint: String?, secondaryThumbprint: String?)
    case certificateAuthority

    public var typeName: String {
        switch self {
        case .sas: return "sas"
        case .selfSigned: return "selfSigned"
        case .certificateAuthority: return "certificateAuthority"
        }
    }
}

/// A device identity with its twin.
public struct DeviceRecord: Equatable, Sendable {
    public var deviceID: String
    public var generationID: String
    public var etagCounter: Int
    public var enabled: Bool
    public var statusReason: String?
    public var authentication: DeviceAuthentication
    public var twin: Twin
    public var statusUpdatedTime: String
    public var lastActivityTime: String

    public var etag: String { base64(bigEndian: UInt64(self.etagCounter)) }

    var json: JSONValue {
        var auth = JSONObject([("type", .string(self.authentication.typeName))])
        switch self.authentication {
        case .sas(let primary, let secondary):
            auth["symmetricKey"] = .object(JSONObject([("primaryKey", .string(primary)), ("secondaryKey", .string(secondary))]))
        case .selfSigned(let primary, let secondary):
            auth["x509Thumbprint"] = .object(JSONObject([
                ("primaryThumbprint", primary.map(JSONValue.string) ?? .null), ("secondaryThumbprint", secondary.map(JSONValue.string) ?? .null),
            ]))
        case .certificateAuthority:
            break
        }
        let twin = JSONObject([
            ("tags", .object(self.twin.tags)), ("desired", .object(self.twin.desired)), ("reported", .object(self.twin.reported)),
            ("desiredMetadata", .object(self.twin.desiredMetadata)), ("reportedMetadata", .object(self.twin.reportedMetadata)),
            ("desiredVersion", .integer(Int64(self.twin.desiredVersion))), ("reportedVersion", .integer(Int64(self.twin.reportedVersion))),
            ("version", .integer(Int64(self.twin.version))),
        ])
        return .object(JSONObject([
            ("deviceId", .string(self.deviceID)), ("generationId", .string(self.generationID)),
            ("etagCounter", .integer(Int64(self.etagCounter))), ("enabled", .bool(self.enabled)),
            ("statusReason", self.statusReason.map(JSONValue.string) ?? .null), ("authentication", .object(auth)),
            ("statusUpdatedTime", .string(self.statusUpdatedTime)), ("lastActivityTime", .string(self.lastActivityTime)),
            ("twin", .object(twin)),
        ]))
    }

    init(
        deviceID: String, generationID: String, etagCounter: Int = 1, enabled: Bool = true, statusReason: String? = nil,
        authentication: DeviceAuthentication, twin: Twin = Twin(), statusUpdatedTime: String, lastActivityTime: String = "0001-01-01T00:00:00Z"
    ) {
        self.deviceID = deviceID
        self.generationID = generationID
        self.etagCounter = etagCounter
        self.enabled = enabled
        self.statusReason = statusReason
        self.authentication = authentication
        self.twin = twin
        self.statusUpdatedTime = statusUpdatedTime
        self.lastActivityTime = lastActivityTime
    }

    init?(json: JSONValue) {
        guard let deviceID = json["deviceId"]?.stringValue, let generationID = json["generationId"]?.stringValue,
            let auth = json["authentication"]
        else { return nil }
        self.deviceID = deviceID
        self.generationID = generationID
        self.etagCounter = json["etagCounter"]?.intValue ?? 1
        self.enabled = json["enabled"]?.boolValue ?? true
        self.statusReason = json["statusReason"]?.stringValue
        self.statusUpdatedTime = json["statusUpdatedTime"]?.stringValue ?? "0001-01-01T00:00:00Z"
        self.lastActivityTime = json["lastActivityTime"]?.stringValue ?? "0001-01-01T00:00:00Z"
        switch auth["type"]?.stringValue {
        case "sas":
            self.authentication = .sas(
                primaryKey: auth["symmetricKey"]?["primaryKey"]?.stringValue ?? "",
                secondaryKey: auth["symmetricKey"]?["secondaryKey"]?.stringValue ?? "")
        case "selfSigned":
            self.authentication = .selfSigned(
                primaryThumbprint: auth["x509Thumbprint"]?["primaryThumbprint"]?.stringValue,
                secondaryThumbprint: auth["x509Thumbprint"]?["secondaryThumbprint"]?.stringValue)
        default:
            self.authentication = .certificateAuthority
        }
        var twin = Twin()
        if let stored = json["twin"] {
            twin.tags = stored["tags"]?.objectValue ?? JSONObject()
            twin.desired = stored["desired"]?.objectValue ?? JSONObject()
            twin.reported = stored["reported"]?.objectValue ?? JSONObject()
            twin.desiredMetadata = stored["desiredMetadata"]?.objectValue ?? JSONObject()
            twin.reportedMetadata = stored["reportedMetadata"]?.objectValue ?? JSONObject()
            twin.desiredVersion = stored["desiredVersion"]?.intValue ?? 1
            twin.reportedVersion = stored["reportedVersion"]?.intValue ?? 1
            twin.version = stored["version"]?.intValue ?? 1
        }
        self.twin = twin
    }
}

/// A CA certificate uploaded to a hub, verified by proof of possession.
public struct CACertificateRecord: Equatable, Sendable {
    public var name: String
    public var pem: String
    public var verified: Bool
    public var verificationCode: String?
    public var etagCounter: Int
    public var subject: String
    public var thumbprint: String
    public var expiry: String
    public var created: String
    public var updated: String

    public var etag: String { base64(bigEndian: UInt64(self.etagCounter)) }

    var json: JSONValue {
        .object(JSONObject([
            ("name", .string(self.name)), ("pem", .string(self.pem)), ("verified", .bool(self.verified)),
            ("verificationCode", self.verificationCode.map(JSONValue.string) ?? .null), ("etagCounter", .integer(Int64(self.etagCounter))),
            ("subject", .string(self.subject)), ("thumbprint", .string(self.thumbprint)), ("expiry", .string(self.expiry)),
            ("created", .string(self.created)), ("updated", .string(self.updated)),
        ]))
    }

    init(name: String, pem: String, verified: Bool, verificationCode: String?, etagCounter: Int, subject: String, thumbprint: String, expiry: String, created: String, updated: String) {
        self.name = name
        self.pem = pem
        self.verified = verified
        self.verificationCode = verificationCode
        self.etagCounter = etagCounter
        self.subject = subject
        self.thumbprint = thumbprint
        self.expiry = expiry
        self.created = created
        self.updated = updated
    }

    init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let pem = json["pem"]?.stringValue else { return nil }
        self.name = name
        self.pem = pem
        self.verified = json["verified"]?.boolValue ?? false
        self.verificationCode = json["verificationCode"]?.stringValue
        self.etagCounter = json["etagCounter"]?.intValue ?? 1
        self.subject = json["subject"]?.stringValue ?? ""
        self.thumbprint = json["thumbprint"]?.stringValue ?? ""
        self.expiry = json["expiry"]?.stringValue ?? ""
        self.created = json["created"]?.stringValue ?? ""
        self.updated = json["updated"]?.stringValue ?? ""
    }
}

/// A queued cloud-to-device message.
public struct C2DMessage: Equatable, Sendable {
    public var sequence: Int64
    public var messageID: String
    public var properties: [(key: String, value: String?)]
    public var body: [UInt8]
    /// Unix time after which the message expires.
    public var expiresAt: Int64
    public var deliveryCount: Int

    public static func == (a: C2DMessage, b: C2DMessage) -> Bool {
        a.sequence == b.sequence && a.messageID == b.messageID && a.body == b.body && a.expiresAt == b.expiresAt
            && a.deliveryCount == b.deliveryCount && a.properties.count == b.properties.count
            && zip(a.properties, b.properties).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    var json: JSONValue {
        .object(JSONObject([
            ("messageId", .string(self.messageID)),
            ("properties", .array(self.properties.map { .array([.string($0.key), $0.value.map(JSONValue.string) ?? .null]) })),
            ("body", .string(base64Encode(self.body))), ("expiresAt", .integer(self.expiresAt)),
            ("deliveryCount", .integer(Int64(self.deliveryCount))),
        ]))
    }

    init(sequence: Int64, messageID: String, properties: [(key: String, value: String?)], body: [UInt8], expiresAt: Int64, deliveryCount: Int) {
        self.sequence = sequence
        self.messageID = messageID
        self.properties = properties
        self.body = body
        self.expiresAt = expiresAt
        self.deliveryCount = deliveryCount
    }

    init?(sequence: Int64, json: JSONValue) {
        guard let messageID = json["messageId"]?.stringValue, let body = json["body"]?.stringValue,
            let bytes = base64Decode(body)
        else { return nil }
        self.sequence = sequence
        self.messageID = messageID
        self.body = bytes
        self.expiresAt = Int64(json["expiresAt"]?.intValue ?? 0)
        self.deliveryCount = json["deliveryCount"]?.intValue ?? 0
        var properties: [(key: String, value: String?)] = []
        if case .array(let items)? = json["properties"] {
            for item in items {
                if case .array(let pair) = item, pair.count == 2, let key = pair[0].stringValue {
                    properties.append((key, pair[1].stringValue))
                }
            }
        }
        self.properties = properties
    }
}

func base64Decode(_ text: String) -> [UInt8]? {
    var values: [UInt8] = []
    for scalar in text.unicodeScalars where scalar != "=" {
        switch scalar.value {
        case 0x41...0x5A: values.append(UInt8(scalar.value - 0x41))
        case 0x61...0x7A: values.append(UInt8(scalar.value - 0x61 + 26))
        case 0x30...0x39: values.append(UInt8(scalar.value - 0x30 + 52))
        case 0x2B: values.append(62)
        case 0x2F: values.append(63)
        default: return nil
        }
    }
    var out: [UInt8] = []
    var index = 0
    while index + 1 < values.count {
        let chunk = values[index..<min(index + 4, values.count)]
        let padded = Array(chunk) + Array(repeating: 0, count: 4 - chunk.count)
        let n = UInt32(padded[0]) << 18 | UInt32(padded[1]) << 12 | UInt32(padded[2]) << 6 | UInt32(padded[3])
        out.append(UInt8(n >> 16))
        if chunk.count > 2 { out.append(UInt8((n >> 8) & 0xFF)) }
        if chunk.count > 3 { out.append(UInt8(n & 0xFF)) }
        index += 4
    }
    return out
}
