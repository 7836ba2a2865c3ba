import Foundation
import Logging
import NIOConcurrencyHelpers
import SwiftASN1
import X509

/// The Device Provisioning Service emulator (devices: learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps;
/// enrollments: learn.microsoft.com/rest/api/iot-dps): DPS instances with their ID scopes, linked hubs, CA
/// certificates, enrollments, registrations and pending operations. It assigns devices to the hubs of `hubCore`,
/// creating them in the hub's registry. Every change is stored before it is acknowledged.
///
/// The instances are a lock-guarded value (`NIOLockedValueBox`). Lock order: the instances' lock may be held while the hub registry's
/// locks (a device's, then the registry's) are taken (an assignment creates the device in the hub's registry), and while the store is called; never the
/// reverse: the hub core never calls into DPS, and the store takes no lock of either.
public final class ProvisioningService: Sendable {
    let hubCore: HubCore
    let store: any HubStore
    let logger: Logger
    let now: @Sendable () -> Date
    /// Real wall time, for credentials (SAS token expiry, certificate validity); see ``ServiceClock``.
    let credentialNow: @Sendable () -> Date
    private let instances: NIOLockedValueBox<[String: InstanceState]>
    /// Seconds a new registration stays `assigning`; sent as `retry-after` (0 assigns at the first poll).
    public let retryAfter: Int
    /// What DPS does to register and status requests instead of serving them (`nil`: serves them).
    public let fault: ProvisioningFault?
    /// DPS's rate limits on register and operation-status requests (`nil`: none).
    public let throttles: ProvisioningThrottles?

    struct InstanceState: Sendable {
        var record: ProvisioningInstance
        var certificates = CertificateRegistry()
        /// Stored enrollment group documents by group id (see `Enrollments.swift` for the shape).
        var groups: [String: StoredEnrollment] = [:]
        /// Individual enrollments by lower-cased registration id.
        var enrollments: [String: StoredEnrollment] = [:]
        /// Registration states by lower-cased registration id.
        var registrations: [String: RegistrationRecord] = [:]
        var operations: [String: RegistrationOperation] = [:]

        init(record: ProvisioningInstance) { self.record = record }
    }

    public init(
        hubCore: HubCore, store: any HubStore, logger: Logger, retryAfter: Int = 3, fault: ProvisioningFault? = nil,
        registrationsPerMinute: Int? = nil, now: @escaping @Sendable () -> Date = Date.init,
        credentialNow: (@Sendable () -> Date)? = nil
    ) throws {
        self.throttles = try registrationsPerMinute.map { rate throws(ProvisioningThrottlesError) in
            try ProvisioningThrottles(registrationsPerMinute: rate, now: now)
        }
        self.hubCore = hubCore
        self.store = store
        self.logger = logger
        self.retryAfter = retryAfter
        self.fault = fault
        self.now = now
        self.credentialNow = credentialNow ?? now
        var instances: [String: InstanceState] = [:]
        // A row that does not decode is an error naming it (the store's, or the certificates' when a PEM does not
        // parse), never skipped.
        for record in try store.provisioningInstances() {
            var state = InstanceState(record: record)
            let dps = record.name
            for certificate in try store.provisioningCertificates(dps: dps) {
                try state.certificates.load(certificate, table: "dpsCertificate", key: "\(dps)/\(certificate.name)")
            }
            for enrollment in try store.enrollments(dps: dps) {
                let loaded = try StoredEnrollment(loading: enrollment, dps: dps)
                if enrollment.kind == .group { state.groups[enrollment.id] = loaded } else { state.enrollments[enrollment.id] = loaded }
            }
            for registration in try store.registrations(dps: dps) { state.registrations[registration.registrationID] = registration }
            for operation in try store.operations(dps: dps) { state.operations[operation.operationID] = operation }
            instances[dps] = state
        }
        self.instances = NIOLockedValueBox(instances)
    }

    func timestamp() -> String { iso8601(self.now()) }

    public var instanceRecords: [ProvisioningInstance] {
        self.instances.withLockedValue { $0.values.map(\.record).sorted { $0.name < $1.name } }
    }

    /// `az iot dps create`: an instance with a new ID scope.
    public func createInstance(name: String) throws -> ProvisioningInstance {
        try self.instances.withLockedValue { instances in
            if let existing = instances[name] { return existing.record }
            guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9-]{1,62}[A-Za-z0-9]$", options: .regularExpression) != nil else {
                throw IoTHubError.argumentInvalid("the DPS name '\(name)' must be 3-64 letters, digits or hyphens")
            }
            var scope: String
            repeat {
                scope = "0ne" + String(format: "%08X", UInt32.random(in: 0...UInt32.max))
            } while instances.values.contains { $0.record.idScope == scope }
            let record = ProvisioningInstance(
                name: name, idScope: scope, hostname: "\(name.lowercased()).azure-devices-provisioning.net", created: self.timestamp())
            try self.store.save(record)
            instances[name] = InstanceState(record: record)
            self.logger.info("DPS instance created", metadata: ["dps": "\(name)", "idScope": "\(scope)"])
            return record
        }
    }

    public func instance(named name: String) throws -> ProvisioningInstance {
        try self.withInstance(name) { $0.record }
    }

    /// Runs `body` on an instance, found by name (case-insensitive); what it changes is kept when it returns, and
    /// dropped when it throws (it stores a change before it makes it).
    func withInstance<T: Sendable>(_ name: String, _ body: (inout InstanceState) throws -> T) throws -> T {
        try self.instances.withLockedValue { instances in
            guard let key = instances[name] != nil ? name : instances.keys.first(where: { $0.lowercased() == name.lowercased() }),
                var state = instances[key]
            else {
                throw IoTHubError.provisioningServiceNotFound("no DPS instance named '\(name)'")
            }
            let result = try body(&state)
            instances[key] = state
            return result
        }
    }

    /// The instance a device's ID scope names (case-insensitive).
    func instanceName(forScope idScope: String) -> String? {
        self.instances.withLockedValue { $0.values.first { $0.record.idScope.lowercased() == idScope.lowercased() }?.record.name }
    }

    /// `az iot dps linked-hub create`: links a hub of this emulator, named by its name or hostname.
    public func linkHub(dps: String, hub: String, allocationWeight: Int?, applyAllocationPolicy: Bool) throws -> ProvisioningInstance {
        guard let hubRecord = self.hubCore.hub(named: hub) else {
            throw IoTHubError.iotHubNotFound("no IoT hub named '\(hub)' to link")
        }
        return try self.withInstance(dps) { state in
            var record = state.record
            let linked = ProvisioningInstance.LinkedHub(
                hubName: hubRecord.name, hostname: hubRecord.hostname, allocationWeight: allocationWeight, applyAllocationPolicy: applyAllocationPolicy)
            if let index = record.linkedHubs.firstIndex(where: { $0.hostname == hubRecord.hostname }) {
                record.linkedHubs[index] = linked
            } else {
                record.linkedHubs.append(linked)
            }
            try self.store.save(record)
            state.record = record
            self.logger.info("hub linked", metadata: ["dps": "\(record.name)", "hub": "\(hubRecord.hostname)"])
            return record
        }
    }

    public func unlinkHub(dps: String, hub: String) throws -> ProvisioningInstance {
        try self.withInstance(dps) { state in
            var record = state.record
            let lowered = hub.lowercased()
            guard let index = record.linkedHubs.firstIndex(where: { $0.hostname.lowercased() == lowered || $0.hubName.lowercased() == lowered }) else {
                throw IoTHubError.iotHubNotFound("no hub '\(hub)' is linked to '\(record.name)'")
            }
            record.linkedHubs.remove(at: index)
            try self.store.save(record)
            state.record = record
            return record
        }
    }
}
