import Foundation
import JSON
import Logging

/// The device registry (`PUT/GET/DELETE /devices/{id}`).
extension HubCore {
    /// Device ids: up to 128 ASCII letters, digits and `- . % _ * ? ! ( ) , : = @ $ '`.
    static func validDeviceID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 128 else { return false }
        let allowed = Set("-.%_*?!(),:=@$'")
        return id.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || allowed.contains($0) }
    }

    /// Creates (`ifMatch` nil) or updates a device from its JSON body.
    public func putDevice(hub: String, id: String, body: JSONValue, ifMatch: String?) throws -> DeviceRecord {
        // Under the device's lock too: a twin change stores the device's row without the registry's lock.
        let (device, hubName) = try self.registry.withDeviceLock(hub, id) { try self.registry.update(hub) { state -> (DeviceRecord, String) in
            guard Self.validDeviceID(id) else {
                throw IoTHubError.argumentInvalid("'\(id)' is not a valid device id")
            }
            if let bodyID = body["deviceId"]?.stringValue, bodyID != id {
                throw IoTHubError.argumentInvalid("the body's deviceId '\(bodyID)' differs from '\(id)'")
            }
            let authentication = try Self.authentication(from: body["authentication"])
            let enabled = (body["status"]?.stringValue ?? "enabled") != "disabled"
            var device: DeviceRecord
            if var existing = state.devices[id] {
                guard let ifMatch else {
                    throw IoTHubError.deviceAlreadyExists("A device with ID '\(id)' is already registered.")
                }
                let unquoted = ifMatch.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if unquoted != "*" && unquoted != existing.etag {
                    throw IoTHubError.preconditionFailed("the etag '\(unquoted)' does not match '\(existing.etag)'")
                }
                if existing.enabled != enabled { existing.statusUpdatedTime = self.timestamp() }
                existing.enabled = enabled
                existing.statusReason = body["statusReason"]?.stringValue
                existing.authentication = authentication
                existing.etagCounter += 1
                device = existing
            } else {
                device = self.newDevice(id: id, authentication: authentication)
                device.enabled = enabled
                device.statusReason = body["statusReason"]?.stringValue
            }
            try self.store.save(device, hub: state.record.name)
            state.devices[id] = device
            self.logger.info("device saved", metadata: ["hub": "\(state.record.name)", "device": "\(id)", "auth": "\(authentication.typeName)", "enabled": "\(enabled)"])
            return (device, state.record.name)
        } }
        if !device.enabled, let link = self.connections.remove(hub: hubName, deviceID: id) {
            link.close(reason: "the device was disabled")
        }
        return device
    }

    /// A new device identity with a fresh generation id.
    func newDevice(id: String, authentication: DeviceAuthentication) -> DeviceRecord {
        DeviceRecord(
            deviceID: id, generationID: String(Int64.random(in: 100_000_000_000_000_000...999_999_999_999_999_999)),
            authentication: authentication, statusUpdatedTime: self.timestamp())
    }

    static func authentication(from json: JSONValue?) throws -> DeviceAuthentication {
        switch json?["type"]?.stringValue ?? "sas" {
        case "sas":
            let primary = json?["symmetricKey"]?["primaryKey"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? randomKey()
            let secondary = json?["symmetricKey"]?["secondaryKey"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? randomKey()
            for (name, key) in [("primaryKey", primary), ("secondaryKey", secondary)] where Data(base64Encoded: key) == nil {
                throw IoTHubError.argumentInvalid("symmetricKey.\(name) is not base64")
            }
            return .sas(primaryKey: primary, secondaryKey: secondary)
        case "selfSigned":
            let primary = json?["x509Thumbprint"]?["primaryThumbprint"]?.stringValue
            let secondary = json?["x509Thumbprint"]?["secondaryThumbprint"]?.stringValue
            guard primary != nil || secondary != nil else {
                throw IoTHubError.argumentInvalid("a self-signed device needs a thumbprint")
            }
            return .selfSigned(primaryThumbprint: primary?.uppercased(), secondaryThumbprint: secondary?.uppercased())
        case "certificateAuthority":
            return .certificateAuthority
        case let other:
            throw IoTHubError.argumentInvalid("unknown authentication type '\(other)'")
        }
    }

    public func device(hub: String, id: String) throws -> DeviceRecord {
        try self.registry.read(hub) { state in
            guard let device = state.devices[id] else {
                throw IoTHubError.deviceNotFound(id)
            }
            return device
        }
    }

    public func devices(hub: String) throws -> [DeviceRecord] {
        try self.registry.read(hub) { state in state.devices.values.sorted { $0.deviceID < $1.deviceID } }
    }

    public func isConnected(hub: String, id: String) -> Bool {
        guard let name = self.hub(named: hub)?.name else { return false }
        return self.connections.isConnected(hub: name, deviceID: id)
    }

    public func deleteDevice(hub: String, id: String, ifMatch: String?) throws {
        let hubName = try self.registry.withDeviceLock(hub, id) { try self.registry.update(hub) { state -> String in
            guard let device = state.devices[id] else {
                throw IoTHubError.deviceNotFound(id)
            }
            let unquoted = (ifMatch ?? "*").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if unquoted != "*" && unquoted != device.etag {
                throw IoTHubError.preconditionFailed("the etag '\(unquoted)' does not match '\(device.etag)'")
            }
            try self.store.deleteDevice(id, hub: state.record.name)
            state.devices[id] = nil
            self.logger.info("device deleted", metadata: ["hub": "\(state.record.name)", "device": "\(id)"])
            return state.record.name
        } }
        self.connections.remove(hub: hubName, deviceID: id)?.close(reason: "the device was deleted")
    }

    /// The registry's JSON for a device, as the service API returns it.
    func deviceJSON(_ device: DeviceRecord, connected: Bool, queued: Int) -> JSONValue {
        var auth = JSONObject([("type", .string(device.authentication.typeName))])
        switch device.authentication {
        case .sas(let primary, let secondary):
            auth["symmetricKey"] = .object(JSONObject([("primaryKey", .string(primary)), ("secondaryKey", .string(secondary))]))
            auth["x509Thumbprint"] = .object(JSONObject([("primaryThumbprint", .null), ("secondaryThumbprint", .null)]))
        case .selfSigned(let primary, let secondary):
            auth["symmetricKey"] = .object(JSONObject([("primaryKey", .null), ("secondaryKey", .null)]))
            auth["x509Thumbprint"] = .object(JSONObject([
                ("primaryThumbprint", primary.map(JSONValue.string) ?? .null), ("secondaryThumbprint", secondary.map(JSONValue.string) ?? .null),
            ]))
        case .certificateAuthority:
            auth["symmetricKey"] = .object(JSONObject([("primaryKey", .null), ("secondaryKey", .null)]))
            auth["x509Thumbprint"] = .object(JSONObject([("primaryThumbprint", .null), ("secondaryThumbprint", .null)]))
        }
        return .object(JSONObject([
            ("deviceId", .string(device.deviceID)), ("generationId", .string(device.generationID)),
            ("etag", .string(device.etag)), ("connectionState", .string(connected ? "Connected" : "Disconnected")),
            ("status", .string(device.enabled ? "enabled" : "disabled")),
            ("statusReason", device.statusReason.map(JSONValue.string) ?? .null),
            ("connectionStateUpdatedTime", .string(device.lastActivityTime)), ("statusUpdatedTime", .string(device.statusUpdatedTime)),
            ("lastActivityTime", .string(device.lastActivityTime)), ("cloudToDeviceMessageCount", .integer(Int64(queued))),
            ("authentication", .object(auth)), ("capabilities", .object(JSONObject([("iotEdge", .bool(false))]))),
            ("deviceScope", .null), ("parentScopes", .array([])),
        ]))
    }

    public func deviceJSON(hub: String, id: String) throws -> JSONValue {
        let device = try self.device(hub: hub, id: id)
        let queued = try self.cloudToDevice.count(hub: self.hub(named: hub)?.name ?? hub, deviceID: id)
        return self.deviceJSON(device, connected: self.isConnected(hub: hub, id: id), queued: queued)
    }

    /// The service's twin document for a device.
    public func twinJSON(hub: String, id: String) throws -> JSONValue {
        let device = try self.device(hub: hub, id: id)
        return .object(JSONObject([
            ("deviceId", .string(device.deviceID)), ("etag", .string(device.twin.etag)),
            ("deviceEtag", .string(device.etag)), ("version", .integer(Int64(device.twin.version))),
            ("status", .string(device.enabled ? "enabled" : "disabled")), ("statusReason", device.statusReason.map(JSONValue.string) ?? .null),
            ("statusUpdateTime", .string(device.statusUpdatedTime)),
            ("connectionState", .string(self.isConnected(hub: hub, id: id) ? "Connected" : "Disconnected")),
            ("lastActivityTime", .string(device.lastActivityTime)), ("cloudToDeviceMessageCount", .integer(0)),
            ("authenticationType", .string(device.authentication.typeName)),
            ("x509Thumbprint", .object(JSONObject([("primaryThumbprint", .null), ("secondaryThumbprint", .null)]))),
            ("modelId", .string("")), ("capabilities", .object(JSONObject([("iotEdge", .bool(false))]))),
            ("tags", .object(device.twin.tags)), ("properties", device.twin.propertiesDocument),
        ]))
    }
}
