import JSON

/// An enrollment as the store keeps it: the service's document (IndividualEnrollment or EnrollmentGroup, as `az`
/// prints it, certificates reduced to their `info`) and the certificates themselves, which attestation needs.
public struct EnrollmentRecord: Equatable, Sendable {
    public var kind: ProvisioningService.EnrollmentKind
    /// The key DPS finds it by: the group id, or the registration id lower-cased.
    public var id: String
    public var document: JSONObject
    /// Primary and secondary certificates (signing certificates of a group, client certificates of an individual
    /// enrollment), PEM.
    public var certificates: [String]
    public var etagCounter: Int
}

/// A device's registration state (DeviceRegistrationState, as `az iot dps … registration show` prints it), and the
/// group it came through.
public struct RegistrationRecord: Equatable, Sendable {
    /// The registration id, lower-cased (the key DPS finds it by).
    public var registrationID: String
    public var state: JSONObject
    public var enrollmentGroupID: String?
    public var etagCounter: Int
}

/// A registration operation: created by a register request, `assigning` until its `readyAt`, then assigned (or
/// ended `disabled`/`failed`) at the first poll. Stored, so a restart keeps it pollable.
public struct RegistrationOperation: Equatable, Sendable {
    public var operationID: String
    public var registrationID: String
    /// The enrollment the device matched.
    public var enrollmentKind: ProvisioningService.EnrollmentKind
    public var enrollmentID: String
    public var payload: JSONValue
    /// The SHA-1 thumbprint of the X.509 leaf the device presented (its identity in the hub).
    public var leafThumbprint: String?
    /// Unix time (seconds) from which the operation is assigned.
    public var readyAt: Double
    /// The final reply body, once assigned.
    public var result: JSONValue?

    var enrollment: EnrollmentReference { EnrollmentReference(kind: self.enrollmentKind, id: self.enrollmentID) }
}
