// The model types the hub's parts work with and the store keeps (``HubStore``); how they are stored is the
// store's business (``SQLiteHubStore``'s row types), how they are rendered the API's.

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

    init(name: String, hostname: String, policies: [String: (primary: String, secondary: String)]) {
        self.name = name
        self.hostname = hostname
        self.policies = policies
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

    init(sequence: Int64, messageID: String, properties: [(key: String, value: String?)], body: [UInt8], expiresAt: Int64, deliveryCount: Int) {
        self.sequence = sequence
        self.messageID = messageID
        self.properties = properties
        self.body = body
        self.expiresAt = expiresAt
        self.deliveryCount = deliveryCount
    }
}
