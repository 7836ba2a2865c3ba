import Logging
import Foundation
import IoTHubTopics
import JSON
import MQTTCodec

/// Device twins: the device's GET and reported PATCH, and the service's twin PATCH and replace.
extension HubCore {
    /// A device's twin GET: 200 and `{"desired":…,"reported":…}`.
    public func deviceTwin(identity: DeviceSessionIdentity) -> JSONValue? {
        try? self.registry.read(identity.hub) { $0.devices[identity.deviceID]?.twin.deviceDocument }
    }

    /// A device's reported PATCH: the status (204, 400, 413) and the new reported version.
    public func reportProperties(identity: DeviceSessionIdentity, payload: [UInt8]) -> (status: Int, version: Int?, message: String?) {
        let patch: JSONValue
        do {
            patch = try JSONValue.parse(payload, limits: self.jsonLimits)
        } catch {
            return (400, nil, "\(error)")
        }
        do {
            return try self.registry.updateDevice(identity.hub, identity.deviceID) { record, found in
                guard var device = found else { return ((404, nil, "device not registered"), nil) }
                do {
                    let version = try device.twin.applyReported(patch, now: self.timestamp())
                    try self.store.save(device, hub: record.name)
                    return ((204, version, nil), device)
                } catch let error as TwinError {
                    return ((error.status, nil, error.message), nil)
                }
            }
        } catch {
            self.logger.error("reported properties refused: \(error)", metadata: ["hub": "\(identity.hub)", "device": "\(identity.deviceID)"])
            return (500, nil, "\(error)")
        }
    }

    /// `PATCH /twins/{id}` (or `PUT` when `replace`): merges tags and desired properties, then notifies the device
    /// of a desired change.
    public func patchTwin(hub: String, id: String, body: JSONValue, ifMatch: String?, replace: Bool) throws -> JSONValue {
        let (notification, hubName): (JSONValue?, String) = try self.registry.updateDevice(hub, id) { record, found in
            guard var device = found else { throw IoTHubError.deviceNotFound(id) }
            if let ifMatch {
                let unquoted = ifMatch.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if unquoted != "*" && unquoted != device.twin.etag {
                    throw IoTHubError.preconditionFailed("the etag '\(unquoted)' does not match '\(device.twin.etag)'")
                }
            }
            do {
                let notification = replace
                    ? try device.twin.applyServiceReplace(body, now: self.timestamp())
                    : try device.twin.applyServicePatch(body, now: self.timestamp())
                try self.store.save(device, hub: record.name)
                return ((notification, record.name), device)
            } catch let error as TwinError {
                throw error.status == 400 ? IoTHubError.argumentInvalid(error.message) : IoTHubError.messageTooLarge(error.message)
            }
        }
        if let notification, let link = self.link(hub: hubName, deviceID: id, needing: .desiredPatches),
            let version = notification["$version"]?.intValue
        {
            link.send(.publish(Publish(topic: HubToDeviceTopic.desiredPatch(version: version).topic, payload: Array(notification.text.utf8))))
        }
        return try self.twinJSON(hub: hub, id: id)
    }
}
