import Foundation
import JSON
import Logging

/// What DPS does to an assigned hub's registry.
extension HubCore {
    /// Creates the device with `authentication`, or gives an existing one that authentication. A new device gets
    /// `initialTwin` (tags and desired properties); an existing one keeps its twin unless `resetTwin`, in which case it
    /// gets the twin of `migrateFrom` (the same device id in its previous hub) or else `initialTwin`.
    func provisionDevice(
        hub: String, id: String, authentication: DeviceAuthentication, initialTwin: JSONValue?, resetTwin: Bool,
        migrateFrom previousHub: String?
    ) throws {
        // The twin a migrating device brings, read before this hub's entry is locked (one hub at a time).
        let migratedTwin = try previousHub.flatMap { previous in
            try self.registry.hub(named: previous) == nil ? nil : self.registry.read(previous) { $0.devices[id]?.twin }
        }
        try self.registry.withDeviceLock(hub, id) { try self.registry.update(hub) { state in
            let now = self.timestamp()
            var device: DeviceRecord
            if var existing = state.devices[id] {
                existing.authentication = authentication
                existing.etagCounter += 1
                device = existing
            } else {
                device = self.newDevice(id: id, authentication: authentication)
            }
            if state.devices[id] == nil || resetTwin {
                if let migratedTwin {
                    device.twin = migratedTwin
                } else {
                    device.twin = Twin()
                    if let initialTwin {
                        do {
                            _ = try device.twin.applyServiceReplace(initialTwin, now: now)
                        } catch {
                            throw IoTHubError.argumentInvalid("the enrollment's initial twin: \((error as? TwinError)?.message ?? "\(error)")")
                        }
                    }
                }
            }
            try self.store.save(device, hub: state.record.name)
            state.devices[id] = device
            self.logger.info("device provisioned by DPS", metadata: ["hub": "\(state.record.name)", "device": "\(id)", "auth": "\(authentication.typeName)"])
        } }
    }
}
