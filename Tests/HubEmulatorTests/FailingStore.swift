import NIOConcurrencyHelpers

@testable import HubEmulator

/// A store whose writes can be made to fail (as on a full or read-only disk), over a real SQLite store.
final class FailingStore: HubStore {
    let base: SQLiteHubStore
    private let failing = NIOLockedValueBox(false)
    private let failingReads = NIOLockedValueBox(false)
    private let frozenQueue = NIOLockedValueBox<[C2DMessage]?>(nil)

    init(_ base: SQLiteHubStore) { self.base = base }

    /// From now on, every write (and, with `reads`, every read) fails.
    func fail(writes: Bool = true, reads: Bool = false) {
        self.failing.withLockedValue { $0 = writes }
        self.failingReads.withLockedValue { $0 = reads }
    }

    /// From now on `queued` answers with the queue as it is now: a delivery that read the queue before a change.
    func freezeQueue(hub: String, device: String) throws {
        let snapshot = try self.base.queued(hub: hub, device: device)
        self.frozenQueue.withLockedValue { $0 = snapshot }
    }

    private func write() throws(HubStoreError) {
        if self.failing.withLockedValue({ $0 }) { throw .failed(operation: "write", reason: "disk I/O error (test)") }
    }

    private func read() throws(HubStoreError) {
        if self.failingReads.withLockedValue({ $0 }) { throw .failed(operation: "read", reason: "disk I/O error (test)") }
    }

    func hubs() throws(HubStoreError) -> [HubRecord] { try self.read(); return try self.base.hubs() }
    func save(_ hub: HubRecord) throws(HubStoreError) { try self.write(); try self.base.save(hub) }
    func devices(hub: String) throws(HubStoreError) -> [DeviceRecord] { try self.read(); return try self.base.devices(hub: hub) }
    func save(_ device: DeviceRecord, hub: String) throws(HubStoreError) { try self.write(); try self.base.save(device, hub: hub) }
    func deleteDevice(_ id: String, hub: String) throws(HubStoreError) { try self.write(); try self.base.deleteDevice(id, hub: hub) }
    func certificates(hub: String) throws(HubStoreError) -> [CACertificateRecord] { try self.read(); return try self.base.certificates(hub: hub) }
    func save(_ certificate: CACertificateRecord, hub: String) throws(HubStoreError) { try self.write(); try self.base.save(certificate, hub: hub) }
    func deleteCertificate(_ name: String, hub: String) throws(HubStoreError) { try self.write(); try self.base.deleteCertificate(name, hub: hub) }
    func enqueue(_ message: C2DMessage, hub: String, device: String) throws(HubStoreError) -> Int64 {
        try self.write()
        return try self.base.enqueue(message, hub: hub, device: device)
    }
    func queueDepth(hub: String, device: String) throws(HubStoreError) -> Int {
        try self.read()
        return try self.base.queueDepth(hub: hub, device: device)
    }
    func queued(hub: String, device: String) throws(HubStoreError) -> [C2DMessage] {
        try self.read()
        if let frozen = self.frozenQueue.withLockedValue({ $0 }) { return frozen }
        return try self.base.queued(hub: hub, device: device)
    }
    func markDelivered(sequence: Int64) throws(HubStoreError) -> C2DMessage? { try self.write(); return try self.base.markDelivered(sequence: sequence) }
    func removeMessage(sequence: Int64) throws(HubStoreError) { try self.write(); try self.base.removeMessage(sequence: sequence) }
    func purgeMessages(hub: String, device: String) throws(HubStoreError) -> Int { try self.write(); return try self.base.purgeMessages(hub: hub, device: device) }
    func session(hub: String, client: String) throws(HubStoreError) -> [String]? { try self.read(); return try self.base.session(hub: hub, client: client) }
    func saveSession(hub: String, client: String, subscriptions: [String]) throws(HubStoreError) {
        try self.write()
        try self.base.saveSession(hub: hub, client: client, subscriptions: subscriptions)
    }
    func deleteSession(hub: String, client: String) throws(HubStoreError) { try self.write(); try self.base.deleteSession(hub: hub, client: client) }
    func provisioningInstances() throws(HubStoreError) -> [ProvisioningInstance] { try self.read(); return try self.base.provisioningInstances() }
    func save(_ instance: ProvisioningInstance) throws(HubStoreError) { try self.write(); try self.base.save(instance) }
    func provisioningCertificates(dps: String) throws(HubStoreError) -> [CACertificateRecord] {
        try self.read()
        return try self.base.provisioningCertificates(dps: dps)
    }
    func saveProvisioningCertificate(_ certificate: CACertificateRecord, dps: String) throws(HubStoreError) {
        try self.write()
        try self.base.saveProvisioningCertificate(certificate, dps: dps)
    }
    func deleteProvisioningCertificate(_ name: String, dps: String) throws(HubStoreError) {
        try self.write()
        try self.base.deleteProvisioningCertificate(name, dps: dps)
    }
    func enrollments(dps: String) throws(HubStoreError) -> [EnrollmentRecord] { try self.read(); return try self.base.enrollments(dps: dps) }
    func save(_ enrollment: EnrollmentRecord, dps: String) throws(HubStoreError) { try self.write(); try self.base.save(enrollment, dps: dps) }
    func deleteEnrollment(_ kind: ProvisioningService.EnrollmentKind, id: String, dps: String) throws(HubStoreError) {
        try self.write()
        try self.base.deleteEnrollment(kind, id: id, dps: dps)
    }
    func registrations(dps: String) throws(HubStoreError) -> [RegistrationRecord] { try self.read(); return try self.base.registrations(dps: dps) }
    func deleteRegistration(_ registrationID: String, dps: String) throws(HubStoreError) {
        try self.write()
        try self.base.deleteRegistration(registrationID, dps: dps)
    }
    func operations(dps: String) throws(HubStoreError) -> [RegistrationOperation] { try self.read(); return try self.base.operations(dps: dps) }
    func save(_ operation: RegistrationOperation, dps: String) throws(HubStoreError) { try self.write(); try self.base.save(operation, dps: dps) }
    func save(_ registration: RegistrationRecord, finishing operation: RegistrationOperation, dps: String) throws(HubStoreError) {
        try self.write()
        try self.base.save(registration, finishing: operation, dps: dps)
    }
}

extension CoreFixture {
    /// A fixture whose store can be made to fail.
    static func withFailingStore() throws -> (CoreFixture, FailingStore) {
        var failing: FailingStore?
        let fixture = try CoreFixture { base in
            let store = FailingStore(base)
            failing = store
            return store
        }
        return (fixture, failing!)
    }
}
