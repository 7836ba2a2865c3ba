import GRDB

/// The DPS records in SQLite: `dpsInstance`, `dpsCertificate`, `dpsEnrollment`, `dpsRegistration` and
/// `dpsOperation` (``HubSchema``), each read by instance.
extension SQLiteHubStore {
    public func provisioningInstances() throws(HubStoreError) -> [ProvisioningInstance] {
        try self.models("read the DPS instances", ProvisioningInstanceRow.order(Column("name")))
    }

    public func save(_ instance: ProvisioningInstance) throws(HubStoreError) {
        try self.write("save DPS instance \(instance.name)") { try ProvisioningInstanceRow(instance).insert($0, onConflict: .replace) }
    }

    public func provisioningCertificates(dps: String) throws(HubStoreError) -> [CACertificateRecord] {
        try self.models("read the CA certificates of DPS \(dps)", ProvisioningCertificateRow.filter(Column("dps") == dps).order(Column("name")))
    }

    public func saveProvisioningCertificate(_ certificate: CACertificateRecord, dps: String) throws(HubStoreError) {
        try self.write("save DPS CA certificate \(dps)/\(certificate.name)") {
            try ProvisioningCertificateRow(certificate, dps: dps).insert($0, onConflict: .replace)
        }
    }

    public func deleteProvisioningCertificate(_ name: String, dps: String) throws(HubStoreError) {
        try self.write("delete DPS CA certificate \(dps)/\(name)") {
            _ = try ProvisioningCertificateRow.deleteOne($0, key: ["dps": dps, "name": name])
        }
    }

    public func enrollments(dps: String) throws(HubStoreError) -> [EnrollmentRecord] {
        try self.models("read the enrollments of DPS \(dps)", EnrollmentRow.filter(Column("dps") == dps).order(Column("kind"), Column("id")))
    }

    public func save(_ enrollment: EnrollmentRecord, dps: String) throws(HubStoreError) {
        try self.write("save DPS enrollment \(dps)/\(enrollment.id)") { try EnrollmentRow(enrollment, dps: dps).insert($0, onConflict: .replace) }
    }

    public func deleteEnrollment(_ kind: ProvisioningService.EnrollmentKind, id: String, dps: String) throws(HubStoreError) {
        try self.write("delete DPS enrollment \(dps)/\(id)") {
            _ = try EnrollmentRow.deleteOne($0, key: ["dps": dps, "kind": EnrollmentKindColumn(kind).rawValue, "id": id])
        }
    }

    public func registrations(dps: String) throws(HubStoreError) -> [RegistrationRecord] {
        try self.models("read the registrations of DPS \(dps)", RegistrationRow.filter(Column("dps") == dps).order(Column("registrationId")))
    }

    public func deleteRegistration(_ registrationID: String, dps: String) throws(HubStoreError) {
        try self.write("delete DPS registration \(dps)/\(registrationID)") {
            _ = try RegistrationRow.deleteOne($0, key: ["dps": dps, "registrationId": registrationID])
        }
    }

    public func operations(dps: String) throws(HubStoreError) -> [RegistrationOperation] {
        try self.models("read the registration operations of DPS \(dps)", OperationRow.filter(Column("dps") == dps).order(Column("operationId")))
    }

    public func save(_ operation: RegistrationOperation, dps: String) throws(HubStoreError) {
        try self.write("save DPS operation \(dps)/\(operation.operationID)") { try OperationRow(operation, dps: dps).insert($0, onConflict: .replace) }
    }

    public func save(_ registration: RegistrationRecord, finishing operation: RegistrationOperation, dps: String) throws(HubStoreError) {
        try self.write("save DPS registration \(dps)/\(registration.registrationID)") { db in
            try RegistrationRow(registration, dps: dps).insert(db, onConflict: .replace)
            try OperationRow(operation, dps: dps).insert(db, onConflict: .replace)
        }
    }
}
