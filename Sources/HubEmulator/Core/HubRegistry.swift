import NIOConcurrencyHelpers

/// One hub's part of the registry: its record (policies), its device identities with their twins, and its CA
/// certificates.
struct HubEntry: Sendable {
    var record: HubRecord
    var devices: [String: DeviceRecord] = [:]
    var certificates = CertificateRegistry()
}

/// The registry of hubs, devices, twins and CA certificates, as the hub serves it: a lock-guarded value.
///
/// Every part of the emulator guards its state with NIO's `NIOLockedValueBox` rather than `Synchronization.Mutex`:
/// on Linux the latter is a bare futex that Thread Sanitizer cannot see, so the `make hub-tsan` run reported
/// accesses inside its critical sections as races; NIO's lock is a pthread mutex, which TSan intercepts. The
/// store mirrors it; a caller persists a change inside ``update(_:_:)`` before the change is kept, so that nothing is
/// visible that is not stored.
///
/// Lock order (the emulator's whole order is: DPS's instances, then a device's lock (``withDeviceLock(_:_:_:)``), then
/// this registry, then the store or the records' snapshot, both leaves; the other parts' locks are taken alone): a
/// closure passed here may call the store, a leaf that takes none of the emulator's locks,
/// and nothing else that locks. It must not call back into the registry, the connection table or DPS. Thread
/// Sanitizer's lock-order checking runs over this in the emulator's concurrency tests.
final class HubRegistry: Sendable {
    private let hubs: NIOLockedValueBox<[String: HubEntry]>
    /// The hubs' records, by name: a copy under a lock of its own, updated (under the registry's lock) when a hub is
    /// added or changed, so that a look-up of a hub (an HTTPS request's authorization, on the event loop) never waits
    /// for a registry change being written to disk.
    private let snapshot: NIOLockedValueBox<[HubRecord]>
    /// The devices' locks (``withDeviceLock(_:_:_:)``): pthread mutexes, as the other parts' locks, which Thread
    /// Sanitizer sees.
    private let deviceLocks = (0..<64).map { _ in NIOLock() }

    /// The registry as `store` holds it. - Throws: when a row cannot be read (the error names its table and key).
    init(loading store: any HubStore) throws(HubStoreError) {
        var hubs: [String: HubEntry] = [:]
        for record in try store.hubs() {
            var entry = HubEntry(record: record)
            for device in try store.devices(hub: record.name) { entry.devices[device.deviceID] = device }
            for certificate in try store.certificates(hub: record.name) {
                try entry.certificates.load(certificate, table: "certificate", key: "\(record.name)/\(certificate.name)")
            }
            hubs[record.name] = entry
        }
        self.hubs = NIOLockedValueBox(hubs)
        self.snapshot = NIOLockedValueBox(Self.sortedRecords(hubs))
    }

    /// Every hub, by name.
    var records: [HubRecord] { self.snapshot.withLockedValue { $0 } }

    /// The hub a hostname names (case-insensitive), or a hub named so.
    func hub(named name: String) -> HubRecord? {
        let records = self.records
        if let exact = records.first(where: { $0.name == name }) { return exact }
        let lowered = name.lowercased()
        return records.first { $0.hostname.lowercased() == lowered || $0.name.lowercased() == lowered }
    }

    private static func sortedRecords(_ hubs: [String: HubEntry]) -> [HubRecord] {
        hubs.values.map(\.record).sorted { $0.name < $1.name }
    }

    /// Adds the hub that `make` returns (after storing it) unless one named `name` exists; returns the hub's record.
    func insert(_ name: String, _ make: () throws -> HubRecord) throws -> HubRecord {
        try self.hubs.withLockedValue { hubs in
            if let existing = hubs[name] { return existing.record }
            let record = try make()
            hubs[name] = HubEntry(record: record)
            let records = Self.sortedRecords(hubs)
            self.snapshot.withLockedValue { $0 = records }
            return record
        }
    }

    /// Runs `body` on a hub's entry, found by name or hostname. - Throws: 404 IotHubNotFound, or what `body` throws.
    func read<T: Sendable>(_ name: String, _ body: (HubEntry) throws -> T) throws -> T {
        try self.hubs.withLockedValue { hubs in
            guard let key = Self.key(for: name, in: hubs), let entry = hubs[key] else { throw Self.notFound(name) }
            return try body(entry)
        }
    }

    /// Changes a hub's entry: `body` stores the change, then it is kept. When `body` throws, the entry is as it was.
    func update<T: Sendable>(_ name: String, _ body: (inout HubEntry) throws -> T) throws -> T {
        try self.hubs.withLockedValue { hubs in
            guard let key = Self.key(for: name, in: hubs), var entry = hubs[key] else { throw Self.notFound(name) }
            let before = entry.record
            let result = try body(&entry)
            hubs[key] = entry
            if entry.record != before {
                let records = Self.sortedRecords(hubs)
                self.snapshot.withLockedValue { $0 = records }
            }
            return result
        }
    }

    /// Changes one device of a hub, found by name or hostname, holding that device's lock (``withDeviceLock(_:_:_:)``)
    /// and not the registry's: `body` gets the hub's record and the device (nil when the hub has none with that id),
    /// stores a change, and returns its result with the device to keep (nil: nothing changes), which is then put in
    /// the registry. So the change is stored before anyone sees it, the device's other writers wait for it, and the
    /// writes of different devices reach the store together (it commits them as one, ``GroupCommit``) instead of one
    /// after the other under the registry's lock. Only this device is replaced: the hub's other devices are not
    /// copied, as ``update(_:_:)`` copies the whole entry. When `body` throws, nothing changes.
    /// `body` may call the store, and nothing that takes the registry's lock or another device's.
    /// - Throws: 404 IotHubNotFound, or what `body` throws.
    func updateDevice<T: Sendable>(_ name: String, _ id: String, _ body: (HubRecord, DeviceRecord?) throws -> (T, DeviceRecord?)) throws -> T {
        try self.withDeviceLock(name, id) {
            let (key, record, device) = try self.hubs.withLockedValue { hubs -> (String, HubRecord, DeviceRecord?) in
                guard let key = Self.key(for: name, in: hubs), let record = hubs[key]?.record else { throw Self.notFound(name) }
                return (key, record, hubs[key]?.devices[id])
            }
            let (result, changed) = try body(record, device)
            if let changed { self.hubs.withLockedValue { $0[key]?.devices[id] = changed } }
            return result
        }
    }

    /// Runs `body` holding the lock of one device (of the hub named or with the hostname `hub`): every change of a
    /// device's row (its identity, twin, deletion, C2D queue) is made under it, so that a change stored without the
    /// registry's lock (``updateDevice(_:_:_:)``) never races another one of the same device. The locks are a fixed
    /// set of mutexes picked by a hash of hub and device, so two devices may share one; a thread holds at most one.
    /// Lock order: DPS's instances, then a device's lock, then the registry's, then the store.
    func withDeviceLock<T>(_ hub: String, _ id: String, _ body: () throws -> T) rethrows -> T {
        var hasher = Hasher()
        hasher.combine(self.hub(named: hub)?.name ?? hub)
        hasher.combine(id)
        let index = Int(UInt(bitPattern: hasher.finalize()) % UInt(self.deviceLocks.count))
        return try self.deviceLocks[index].withLock(body)
    }

    private static func key(for name: String, in hubs: [String: HubEntry]) -> String? {
        if hubs[name] != nil { return name }
        let lowered = name.lowercased()
        return hubs.first { $0.value.record.hostname.lowercased() == lowered || $0.key.lowercased() == lowered }?.key
    }

    private static func notFound(_ name: String) -> IoTHubError { .iotHubNotFound("no IoT hub named '\(name)'") }
}
