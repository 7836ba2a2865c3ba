import GRDB
import JSON

/// A row of `dpsInstance`: a DPS instance, its linked hubs one JSON column.
struct ProvisioningInstanceRow: StoredRow {
    static let databaseTableName = "dpsInstance"

    struct LinkedHub: Codable, Equatable {
        var hubName: String
        var hostname: String
        var allocationWeight: Int?
        var applyAllocationPolicy: Bool
    }

    var name: String
    var idScope: String
    var hostname: String
    var created: String
    var linkedHubs: [LinkedHub]

    init(_ instance: ProvisioningInstance) {
        self.name = instance.name
        self.idScope = instance.idScope
        self.hostname = instance.hostname
        self.created = instance.created
        self.linkedHubs = instance.linkedHubs.map {
            LinkedHub(hubName: $0.hubName, hostname: $0.hostname, allocationWeight: $0.allocationWeight, applyAllocationPolicy: $0.applyAllocationPolicy)
        }
    }

    static func key(of row: Row) -> String { keyText(row, "name") }

    func model() -> ProvisioningInstance {
        ProvisioningInstance(
            name: self.name, idScope: self.idScope, hostname: self.hostname,
            linkedHubs: self.linkedHubs.map {
                ProvisioningInstance.LinkedHub(
                    hubName: $0.hubName, hostname: $0.hostname, allocationWeight: $0.allocationWeight, applyAllocationPolicy: $0.applyAllocationPolicy)
            },
            created: self.created)
    }
}

/// A row of `dpsCertificate`: a DPS instance's CA certificate.
struct ProvisioningCertificateRow: StoredRow, CertificateColumns {
    static let databaseTableName = "dpsCertificate"

    var dps: String
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

    init(_ certificate: CACertificateRecord, dps: String) {
        self.dps = dps
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

    static func key(of row: Row) -> String { "\(keyText(row, "dps"))/\(keyText(row, "name"))" }
}

/// `kind` of an enrollment row and `enrollmentKind` of an operation row.
enum EnrollmentKindColumn: String, Codable {
    case group
    case individual

    init(_ kind: ProvisioningService.EnrollmentKind) { self = kind == .group ? .group : .individual }

    static func model(_ text: String, column: String) throws(StoredRowError) -> ProvisioningService.EnrollmentKind {
        switch Self(rawValue: text) {
        case .group: return .group
        case .individual: return .individual
        case nil: throw StoredRowError(column: column, reason: "'\(text)' is not group or individual")
        }
    }
}

/// A row of `dpsEnrollment`: an enrollment group or individual enrollment, its service document one JSON column.
struct EnrollmentRow: StoredRow {
    static let databaseTableName = "dpsEnrollment"

    var dps: String
    var kind: String
    var id: String
    var document: JSONObjectColumn
    /// The enrollment's certificates (PEM), in order.
    var certificates: [String]
    var etagCounter: Int

    init(_ enrollment: EnrollmentRecord, dps: String) {
        self.dps = dps
        self.kind = EnrollmentKindColumn(enrollment.kind).rawValue
        self.id = enrollment.id
        self.document = JSONObjectColumn(enrollment.document)
        self.certificates = enrollment.certificates
        self.etagCounter = enrollment.etagCounter
    }

    static func key(of row: Row) -> String { "\(keyText(row, "dps"))/\(keyText(row, "kind"))/\(keyText(row, "id"))" }

    func model() throws(StoredRowError) -> EnrollmentRecord {
        EnrollmentRecord(
            kind: try EnrollmentKindColumn.model(self.kind, column: "kind"), id: self.id, document: self.document.object,
            certificates: self.certificates, etagCounter: self.etagCounter)
    }
}

/// A row of `dpsRegistration`: a device's registration state (a JSON object column).
struct RegistrationRow: StoredRow {
    static let databaseTableName = "dpsRegistration"

    var dps: String
    var registrationId: String
    var state: JSONObjectColumn
    var enrollmentGroupId: String?
    var etagCounter: Int

    init(_ registration: RegistrationRecord, dps: String) {
        self.dps = dps
        self.registrationId = registration.registrationID
        self.state = JSONObjectColumn(registration.state)
        self.enrollmentGroupId = registration.enrollmentGroupID
        self.etagCounter = registration.etagCounter
    }

    static func key(of row: Row) -> String { "\(keyText(row, "dps"))/\(keyText(row, "registrationId"))" }

    func model() -> RegistrationRecord {
        RegistrationRecord(
            registrationID: self.registrationId, state: self.state.object, enrollmentGroupID: self.enrollmentGroupId, etagCounter: self.etagCounter)
    }
}

/// A row of `dpsOperation`: a registration operation; the device's payload and the final reply are JSON columns.
struct OperationRow: StoredRow {
    static let databaseTableName = "dpsOperation"

    var dps: String
    var operationId: String
    var registrationId: String
    var enrollmentKind: String
    var enrollmentId: String
    var payload: JSONValueColumn
    var leafThumbprint: String?
    var readyAt: Double
    var result: JSONValueColumn?

    init(_ operation: RegistrationOperation, dps: String) {
        self.dps = dps
        self.operationId = operation.operationID
        self.registrationId = operation.registrationID
        self.enrollmentKind = EnrollmentKindColumn(operation.enrollmentKind).rawValue
        self.enrollmentId = operation.enrollmentID
        self.payload = JSONValueColumn(operation.payload)
        self.leafThumbprint = operation.leafThumbprint
        self.readyAt = operation.readyAt
        self.result = operation.result.map(JSONValueColumn.init)
    }

    static func key(of row: Row) -> String { "\(keyText(row, "dps"))/\(keyText(row, "operationId"))" }

    func model() throws(StoredRowError) -> RegistrationOperation {
        RegistrationOperation(
            operationID: self.operationId, registrationID: self.registrationId,
            enrollmentKind: try EnrollmentKindColumn.model(self.enrollmentKind, column: "enrollmentKind"), enrollmentID: self.enrollmentId,
            payload: self.payload.value, leafThumbprint: self.leafThumbprint, readyAt: self.readyAt, result: self.result?.value)
    }
}
