import GRDB

/// A row of `hub`: the policies are one JSON column (`{"device": {"primaryKey": …, "secondaryKey": …}, …}`).
struct HubRow: StoredRow {
    static let databaseTableName = "hub"

    struct PolicyKeys: Codable, Equatable {
        var primaryKey: String
        var secondaryKey: String
    }

    var name: String
    var hostname: String
    var policies: [String: PolicyKeys]

    init(_ hub: HubRecord) {
        self.name = hub.name
        self.hostname = hub.hostname
        self.policies = hub.policies.mapValues { PolicyKeys(primaryKey: $0.primary, secondaryKey: $0.secondary) }
    }

    static func key(of row: Row) -> String { keyText(row, "name") }

    func model() -> HubRecord {
        HubRecord(name: self.name, hostname: self.hostname, policies: self.policies.mapValues { ($0.primaryKey, $0.secondaryKey) })
    }
}

/// A row of `device`: the identity, its authentication in columns of its own, and the twin (each section a JSON
/// object column, the versions integer columns).
struct DeviceRow: StoredRow {
    static let databaseTableName = "device"

    /// `authenticationType`: DeviceAuthentication's type names.
    enum AuthenticationType: String, Codable {
        case sas
        case selfSigned
        case certificateAuthority
    }

    var hub: String
    var id: String
    var generationId: String
    var etagCounter: Int
    var enabled: Bool
    var statusReason: String?
    var authenticationType: String
    /// SAS keys (base64), for `sas`.
    var primaryKey: String?
    var secondaryKey: String?
    /// X.509 thumbprints (hex), for `selfSigned`.
    var primaryThumbprint: String?
    var secondaryThumbprint: String?
    var statusUpdatedTime: String
    var lastActivityTime: String
    var tags: JSONObjectColumn
    var desired: JSONObjectColumn
    var reported: JSONObjectColumn
    var desiredMetadata: JSONObjectColumn
    var reportedMetadata: JSONObjectColumn
    var desiredVersion: Int
    var reportedVersion: Int
    var twinVersion: Int

    init(_ device: DeviceRecord, hub: String) {
        self.hub = hub
        self.id = device.deviceID
        self.generationId = device.generationID
        self.etagCounter = device.etagCounter
        self.enabled = device.enabled
        self.statusReason = device.statusReason
        self.authenticationType = device.authentication.typeName
        switch device.authentication {
        case .sas(let primary, let secondary):
            (self.primaryKey, self.secondaryKey) = (primary, secondary)
        case .selfSigned(let primary, let secondary):
            (self.primaryThumbprint, self.secondaryThumbprint) = (primary, secondary)
        case .certificateAuthority:
            break
        }
        self.statusUpdatedTime = device.statusUpdatedTime
        self.lastActivityTime = device.lastActivityTime
        self.tags = JSONObjectColumn(device.twin.tags)
        self.desired = JSONObjectColumn(device.twin.desired)
        self.reported = JSONObjectColumn(device.twin.reported)
        self.desiredMetadata = JSONObjectColumn(device.twin.desiredMetadata)
        self.reportedMetadata = JSONObjectColumn(device.twin.reportedMetadata)
        self.desiredVersion = device.twin.desiredVersion
        self.reportedVersion = device.twin.reportedVersion
        self.twinVersion = device.twin.version
    }

    static func key(of row: Row) -> String { "\(keyText(row, "hub"))/\(keyText(row, "id"))" }

    /// The columns in the order of ``columnValues``, as the table has them.
    static let columns = [
        "hub", "id", "generationId", "etagCounter", "enabled", "statusReason", "authenticationType", "primaryKey", "secondaryKey",
        "primaryThumbprint", "secondaryThumbprint", "statusUpdatedTime", "lastActivityTime", "tags", "desired", "reported",
        "desiredMetadata", "reportedMetadata", "desiredVersion", "reportedVersion", "twinVersion",
    ]

    /// The row's values as GRDB's Codable encoding stores them (a JSON column as its text, a Bool as 0 or 1), in
    /// the order of ``columns``: bound to ``upsertSQL`` without going through an encoder.
    var columnValues: [(any DatabaseValueConvertible)?] {
        [
            self.hub, self.id, self.generationId, self.etagCounter, self.enabled, self.statusReason, self.authenticationType,
            self.primaryKey, self.secondaryKey, self.primaryThumbprint, self.secondaryThumbprint, self.statusUpdatedTime,
            self.lastActivityTime, self.tags.text, self.desired.text, self.reported.text, self.desiredMetadata.text,
            self.reportedMetadata.text, self.desiredVersion, self.reportedVersion, self.twinVersion,
        ]
    }

    /// Inserts the row, or updates every other column of the row with its key: what `insert(onConflict: .replace)`
    /// leaves, without deleting the old row first (SQLite documentation, "UPSERT").
    static let upsertSQL = """
        INSERT INTO device (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
        ON CONFLICT (hub, id) DO UPDATE SET \(columns.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        """

    func model() throws(StoredRowError) -> DeviceRecord {
        let authentication: DeviceAuthentication
        switch AuthenticationType(rawValue: self.authenticationType) {
        case .sas:
            guard let primaryKey, let secondaryKey else {
                throw StoredRowError(column: "primaryKey", reason: "a sas device needs primaryKey and secondaryKey")
            }
            authentication = .sas(primaryKey: primaryKey, secondaryKey: secondaryKey)
        case .selfSigned:
            authentication = .selfSigned(primaryThumbprint: self.primaryThumbprint, secondaryThumbprint: self.secondaryThumbprint)
        case .certificateAuthority:
            authentication = .certificateAuthority
        case nil:
            throw StoredRowError(
                column: "authenticationType", reason: "'\(self.authenticationType)' is not sas, selfSigned or certificateAuthority")
        }
        var twin = Twin()
        twin.tags = self.tags.object
        twin.desired = self.desired.object
        twin.reported = self.reported.object
        twin.desiredMetadata = self.desiredMetadata.object
        twin.reportedMetadata = self.reportedMetadata.object
        twin.desiredVersion = self.desiredVersion
        twin.reportedVersion = self.reportedVersion
        twin.version = self.twinVersion
        return DeviceRecord(
            deviceID: self.id, generationID: self.generationId, etagCounter: self.etagCounter, enabled: self.enabled,
            statusReason: self.statusReason, authentication: authentication, twin: twin, statusUpdatedTime: self.statusUpdatedTime,
            lastActivityTime: self.lastActivityTime)
    }
}

/// A row of `certificate`: a hub's CA certificate.
struct CertificateRow: StoredRow, CertificateColumns {
    static let databaseTableName = "certificate"

    var hub: String
    var name: String
    var pem: String
    var verified: Bool
    var verificationCode: String?
    var etagCounter: Int
    var subject: String
    var thumbprint: String
    var expiry: String
    var created: String
    var updated: String

    init(_ certificate: CACertificateRecord, hub: String) {
        self.hub = hub
        self.name = certificate.name
        self.pem = certificate.pem
        self.verified = certificate.verified
        self.verificationCode = certificate.verificationCode
        self.etagCounter = certificate.etagCounter
        self.subject = certificate.subject
        self.thumbprint = certificate.thumbprint
        self.expiry = certificate.expiry
        self.created = certificate.created
        self.updated = certificate.updated
    }

    static func key(of row: Row) -> String { "\(keyText(row, "hub"))/\(keyText(row, "name"))" }
}

/// The columns a CA certificate has in either owner's table (`certificate` of a hub, `dpsCertificate` of a DPS
/// instance), and the model they make.
protocol CertificateColumns {
    var name: String { get }
    var pem: String { get }
    var verified: Bool { get }
    var verificationCode: String? { get }
    var etagCounter: Int { get }
    var subject: String { get }
    var thumbprint: String { get }
    var expiry: String { get }
    var created: String { get }
    var updated: String { get }
}

extension CertificateColumns {
    func model() -> CACertificateRecord {
        CACertificateRecord(
            name: self.name, pem: self.pem, verified: self.verified, verificationCode: self.verificationCode, etagCounter: self.etagCounter,
            subject: self.subject, thumbprint: self.thumbprint, expiry: self.expiry, created: self.created, updated: self.updated)
    }
}
