/// Hub-initiated disconnects, on demand (the admin API, `nrfsim az iot hub emulator disconnect`) or on a schedule
/// (`nrfsim hub --disconnect-every`): IoT Hub closes device connections when it updates or moves a hub
/// ("Monitor, diagnose, and troubleshoot disconnects with Azure IoT Hub",
/// learn.microsoft.com/azure/iot-hub/iot-hub-troubleshoot-connectivity), and a device must connect again.
extension HubCore {
    /// Closes the live connection of `deviceID`, or of every device of `hub` when it is nil. - Returns: the device
    /// ids whose connection was closed, sorted. - Throws: 404002 for an unknown hub, 404001 for an unknown device,
    /// 404103 when the device is not connected.
    public func disconnect(hub: String, deviceID: String?, reason: String) throws -> [String] {
        let name = try self.registry.read(hub) { entry in
            if let deviceID, entry.devices[deviceID] == nil { throw IoTHubError.deviceNotFound(deviceID) }
            return entry.record.name
        }
        let closing = self.connections.links(hub: name).filter { deviceID == nil || $0.deviceID == deviceID }
        if let deviceID, closing.isEmpty { throw IoTHubError.deviceNotOnline("Device \(deviceID) is not connected") }
        for (_, link) in closing { link.close(reason: reason) }
        return closing.map(\.deviceID).sorted()
    }

    /// Closes every live device connection of every hub. - Returns: how many were closed.
    @discardableResult
    public func disconnectAll(reason: String) -> Int {
        let closing = self.connections.links(hub: nil)
        for (_, link) in closing { link.close(reason: reason) }
        return closing.count
    }
}
