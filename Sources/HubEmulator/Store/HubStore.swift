/// The emulator's durable state, as the hub's parts and DPS use it: model values in, model values out, no storage
/// format. Every change is committed before the call returns; a failure throws ``HubStoreError`` and nothing is
/// acknowledged, and a stored row that cannot be read is ``HubStoreError/corruptRow(table:key:reason:)``, never
/// skipped. ``SQLiteHubStore`` is the one backend today; a second one implements this protocol without touching the
/// parts.
public protocol HubStore: Sendable {
    // MARK: Hubs
    func hubs() throws(HubStoreError) -> [HubRecord]
    func save(_ hub: HubRecord) throws(HubStoreError)

    // MARK: Devices and their twins
    func devices(hub: String) throws(HubStoreError) -> [DeviceRecord]
    func save(_ device: DeviceRecord, hub: String) throws(HubStoreError)
    /// Deletes a device with its C2D queue and persistent session.
    func deleteDevice(_ id: String, hub: String) throws(HubStoreError)

    // MARK: CA certificates
    func certificates(hub: String) throws(HubStoreError) -> [CACertificateRecord]
    func save(_ certificate: CACertificateRecord, hub: String) throws(HubStoreError)
    func deleteCertificate(_ name: String, hub: String) throws(HubStoreError)

    // MARK: Cloud-to-device queues
    /// Appends a message to a device's queue; returns its sequence.
    func enqueue(_ message: C2DMessage, hub: String, device: String) throws(HubStoreError) -> Int64
    /// How many messages a device's queue holds (without reading them).
    func queueDepth(hub: String, device: String) throws(HubStoreError) -> Int
    /// A device's queue, oldest first.
    func queued(hub: String, device: String) throws(HubStoreError) -> [C2DMessage]
    /// Counts one more delivery of a queued message, in one transaction; nil when it is no longer queued (it was
    /// completed or purged meanwhile), so that it is not delivered again.
    func markDelivered(sequence: Int64) throws(HubStoreError) -> C2DMessage?
    func removeMessage(sequence: Int64) throws(HubStoreError)
    /// Empties a device's queue; returns how many messages it held.
    func purgeMessages(hub: String, device: String) throws(HubStoreError) -> Int

    // MARK: Persistent MQTT sessions
    func session(hub: String, client: String) throws(HubStoreError) -> [String]?
    func saveSession(hub: String, client: String, subscriptions: [String]) throws(HubStoreError)
    func deleteSession(hub: String, client: String) throws(HubStoreError)

    // MARK: DPS instances and their CA certificates
    func provisioningInstances() throws(HubStoreError) -> [ProvisioningInstance]
    func save(_ instance: ProvisioningInstance) throws(HubStoreError)
    func provisioningCertificates(dps: String) throws(HubStoreError) -> [CACertificateRecord]
    func saveProvisioningCertificate(_ certificate: CACertificateRecord, dps: String) throws(HubStoreError)
    func deleteProvisioningCertificate(_ name: String, dps: String) throws(HubStoreError)

    // MARK: DPS enrollments, registrations and operations
    /// A DPS instance's enrollment groups and individual enrollments, by kind and id.
    func enrollments(dps: String) throws(HubStoreError) -> [EnrollmentRecord]
    func save(_ enrollment: EnrollmentRecord, dps: String) throws(HubStoreError)
    func deleteEnrollment(_ kind: ProvisioningService.EnrollmentKind, id: String, dps: String) throws(HubStoreError)
    func registrations(dps: String) throws(HubStoreError) -> [RegistrationRecord]
    func deleteRegistration(_ registrationID: String, dps: String) throws(HubStoreError)
    func operations(dps: String) throws(HubStoreError) -> [RegistrationOperation]
    func save(_ operation: RegistrationOperation, dps: String) throws(HubStoreError)
    /// The end of a registration: its state and the finished operation, in one transaction (one sync to disk).
    func save(_ registration: RegistrationRecord, finishing operation: RegistrationOperation, dps: String) throws(HubStoreError)
}
