import Crypto
import Foundation
import JSON
import Logging

/// Assignment: the allocation policy picks a linked hub ("How to use allocation policies to provision devices across
/// IoT hubs", learn.microsoft.com/azure/iot-dps/how-to-use-allocation-policies), the device is created in its registry
/// with the enrollment's credentials and initial twin, and the reprovision policy decides what happens to a device that
/// registers again ("IoT Hub Device reprovisioning concepts",
/// learn.microsoft.com/azure/iot-dps/concepts-device-reprovision).
extension ProvisioningService {
    /// Assigns a due operation: returns its registration state, stored together with the finished operation.
    @discardableResult
    func assign(_ operation: RegistrationOperation, state: inout InstanceState) throws -> JSONObject {
        let now = self.timestamp()
        let key = operation.registrationID.lowercased()
        let previous = state.registrations[key]
        let groupID = operation.enrollment.kind == .group ? operation.enrollment.id : nil

        func finish(_ fields: [(String, JSONValue)]) throws -> JSONObject {
            var registration = JSONObject()
            let attestation = JSONObject([("enrollmentGroupId", groupID.map(JSONValue.string) ?? .null)])
            let type = (try? Self.enrollment(operation.enrollment.kind, state, operation.enrollment.id))?.attestationType ?? "x509"
            registration[type == "symmetricKey" ? "symmetricKey" : "x509"] = .object(attestation)
            registration["registrationId"] = .string(operation.registrationID)
            registration["createdDateTimeUtc"] = previous?.state["createdDateTimeUtc"] ?? .string(now)
            for (name, value) in fields { registration[name] = value }
            registration["lastUpdatedDateTimeUtc"] = .string(now)
            let etagCounter = (previous?.etagCounter ?? 0) + 1
            registration["etag"] = .string(base64(bigEndian: UInt64(etagCounter)))
            let stored = RegistrationRecord(registrationID: key, state: registration, enrollmentGroupID: groupID, etagCounter: etagCounter)
            var finished = operation
            finished.result = .object(JSONObject([
                ("operationId", .string(operation.operationID)), ("status", registration["status"] ?? .string("failed")),
                ("registrationState", .object(registration)),
            ]))
            try self.store.save(stored, finishing: finished, dps: state.record.name)
            state.registrations[key] = stored
            state.operations[operation.operationID] = finished
            self.logger.info("DPS registration ended", metadata: [
                "dps": "\(state.record.name)", "registration": "\(operation.registrationID)",
                "status": "\(registration["status"]?.stringValue ?? "")", "hub": "\(registration["assignedHub"]?.stringValue ?? "-")",
            ])
            return registration
        }
        func failed(_ code: Int, _ message: String) throws -> JSONObject {
            try finish([("status", .string("failed")), ("errorCode", .integer(Int64(code))), ("errorMessage", .string(message))])
        }

        guard let enrollment = try? Self.enrollment(operation.enrollment.kind, state, operation.enrollment.id) else {
            return try failed(404201, "the \(operation.enrollment.kind.label) '\(operation.enrollment.id)' was deleted")
        }
        guard enrollment.enabled else {
            return try finish([("status", .string("disabled")), ("errorCode", .integer(401009)), ("errorMessage", .string("the \(operation.enrollment.kind.label) '\(operation.enrollment.id)' is disabled"))])
        }
        let deviceID = operation.enrollment.kind == .individual
            ? (enrollment.document["deviceId"]?.stringValue ?? operation.registrationID) : operation.registrationID

        var target: ProvisioningInstance.LinkedHub
        var substatus = "initialAssignment"
        var resetTwin = false
        var migrateFrom: String?
        let previousHub = previous?.state["status"]?.stringValue == "assigned" ? previous?.state["assignedHub"]?.stringValue : nil
        let previousLinked = previousHub.flatMap { hub in state.record.linkedHubs.first { $0.hostname == hub } }
        if let previousLinked, !enrollment.updateHubAssignment {
            target = previousLinked
            substatus = previous?.state["substatus"]?.stringValue ?? substatus
        } else {
            guard let allocated = Self.allocate(operation.registrationID, enrollment: enrollment, linkedHubs: state.record.linkedHubs) else {
                return try failed(400209, "no linked IoT hub can be assigned (link one with `az iot dps linked-hub create`)")
            }
            target = allocated
            if let previousHub {
                resetTwin = true
                if previousHub == allocated.hostname {
                    substatus = enrollment.migrateDeviceData ? "initialAssignment" : "reprovisionedToInitialAssignment"
                    resetTwin = !enrollment.migrateDeviceData
                } else {
                    substatus = enrollment.migrateDeviceData ? "deviceDataMigrated" : "deviceDataReset"
                    migrateFrom = enrollment.migrateDeviceData ? previousHub : nil
                }
            }
        }

        let authentication: DeviceAuthentication
        switch (enrollment.attestationType, operation.enrollment.kind) {
        case ("x509", .group):
            // As DPS does, the device is registered with its own certificate's thumbprint: the hub need not know the CA.
            authentication = .selfSigned(primaryThumbprint: operation.leafThumbprint, secondaryThumbprint: nil)
        case ("x509", .individual):
            let thumbprints = enrollment.sha1Thumbprints
            authentication = .selfSigned(primaryThumbprint: thumbprints.first, secondaryThumbprint: thumbprints.dropFirst().first)
        case (_, .individual):
            let keys = enrollment.symmetricKeys
            authentication = .sas(primaryKey: keys.first ?? randomKey(), secondaryKey: keys.dropFirst().first ?? randomKey())
        case (_, .group):
            let keys = enrollment.symmetricKeys.map { derivedDeviceKey(groupKey: $0, registrationID: operation.registrationID) }
            authentication = .sas(primaryKey: keys.first ?? randomKey(), secondaryKey: keys.dropFirst().first ?? randomKey())
        }
        do {
            try self.hubCore.provisionDevice(
                hub: target.hubName, id: deviceID, authentication: authentication, initialTwin: enrollment.initialTwin,
                resetTwin: resetTwin, migrateFrom: migrateFrom)
        } catch let error as IoTHubError {
            return try failed(error.code, error.message)
        }
        return try finish([
            ("assignedHub", .string(target.hostname)), ("deviceId", .string(deviceID)), ("status", .string("assigned")),
            ("substatus", .string(substatus)),
        ])
    }

    /// The hub an allocation policy picks: `static` takes the enrollment's hub; `hashed` (and `geoLatency`, which has a
    /// single region here) hashes the registration id over the candidates, weighted by their allocation weight. The
    /// candidates are the enrollment's hubs, or else the linked hubs that apply allocation policies.
    static func allocate(_ registrationID: String, enrollment: StoredEnrollment, linkedHubs: [ProvisioningInstance.LinkedHub]) -> ProvisioningInstance.LinkedHub? {
        let wanted = Set(enrollment.iotHubs.map { $0.lowercased() })
        let candidates = wanted.isEmpty
            ? linkedHubs.filter(\.applyAllocationPolicy)
            : linkedHubs.filter { wanted.contains($0.hostname.lowercased()) }
        guard !candidates.isEmpty else { return nil }
        if enrollment.allocationPolicy == "static" { return candidates[0] }
        let weights = candidates.map { max(1, $0.allocationWeight ?? 1) }
        let digest = Array(SHA256.hash(data: Data(registrationID.lowercased().utf8)))
        var point = Int(digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % UInt64(weights.reduce(0, +)))
        for (candidate, weight) in zip(candidates, weights) {
            if point < weight { return candidate }
            point -= weight
        }
        return candidates.last
    }

    /// `az iot dps enrollment-group registration list` (a group's) or every registration.
    public func registrations(dps: String, groupID: String?) throws -> [JSONValue] {
        try self.withInstance(dps) { state in
            state.registrations.keys.sorted().compactMap { key in
                let stored = state.registrations[key]!
                guard groupID == nil || stored.enrollmentGroupID == groupID else { return nil }
                return .object(stored.state)
            }
        }
    }

    public func registration(dps: String, registrationID: String) throws -> JSONValue {
        try self.withInstance(dps) { state in
            guard let stored = state.registrations[registrationID.lowercased()] else {
                throw IoTHubError.provisioningNotFound("no registration '\(registrationID)' in '\(state.record.name)'")
            }
            return .object(stored.state)
        }
    }

    public func deleteRegistration(dps: String, registrationID: String) throws {
        try self.withInstance(dps) { state in
            guard state.registrations[registrationID.lowercased()] != nil else {
                throw IoTHubError.provisioningNotFound("no registration '\(registrationID)' in '\(state.record.name)'")
            }
            try self.store.deleteRegistration(registrationID.lowercased(), dps: state.record.name)
            state.registrations[registrationID.lowercased()] = nil
        }
    }
}
