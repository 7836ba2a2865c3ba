import IoTHubTopics

/// Cloud-to-device messages, as the service API and the device sessions see them (the queues are
/// ``CloudToDeviceQueues``).
extension HubCore {
    /// Queues a C2D message (at most 50 per device) and delivers it if the device listens.
    public func sendCloudToDevice(hub: String, id: String, body: [UInt8], properties: [(key: String, value: String?)], ttlSeconds: Int64?) throws -> String {
        // Queued under the device's lock, which its deletion takes too: a device deleted meanwhile does not get an
        // orphaned message, and two sends to one device do not both pass the depth check. Not under the registry's
        // lock, so that the sends to different devices are stored together.
        let (hubName, messageID): (String, String) = try self.registry.withDeviceLock(hub, id) {
            let hubName = try self.registry.read(hub) { entry in
                guard entry.devices[id] != nil else { throw IoTHubError.deviceNotFound(id) }
                return entry.record.name
            }
            return (hubName, try self.cloudToDevice.enqueue(hub: hubName, deviceID: id, body: body, properties: properties, ttlSeconds: ttlSeconds))
        }
        self.deliverQueued(hub: hubName, deviceID: id)
        return messageID
    }

    /// Delivers queued messages to the device when it is connected and subscribed to C2D.
    public func deliverQueued(hub: String, deviceID: String) {
        guard let link = self.link(hub: hub, deviceID: deviceID, needing: .cloudToDevice) else { return }
        self.cloudToDevice.deliver(hub: hub, deviceID: deviceID, on: link)
    }

    /// Marks a C2D message whose PUBACK came: no delivery sends it until ``completeCloudToDevice(sequence:)`` ends.
    public func beginCompletion(_ sequence: Int64) {
        self.cloudToDevice.beginCompletion(sequence)
    }

    /// The device's PUBACK for a C2D message. - Returns: whether the completion was stored (when not, the message
    /// stays queued and is delivered again).
    @discardableResult
    public func completeCloudToDevice(sequence: Int64) -> Bool {
        self.cloudToDevice.complete(sequence: sequence)
    }

    public func purgeCloudToDevice(hub: String, id: String) throws -> Int {
        try self.registry.withDeviceLock(hub, id) {
            let hubName = try self.registry.read(hub) { entry in
                guard entry.devices[id] != nil else { throw IoTHubError.deviceNotFound(id) }
                return entry.record.name
            }
            return try self.cloudToDevice.purge(hub: hubName, deviceID: id)
        }
    }
}
