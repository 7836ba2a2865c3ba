import Logging
import IoTHubTopics

/// The SKU's quota and throttles applied to the hub's operations (see ``HubThrottles``); without a SKU every
/// operation is admitted.
extension HubCore {
    /// Admits `operation` on `hub`. - Throws: 429001 ThrottlingException or 403002 IoTHubQuotaExceeded.
    public func admit(_ operation: ThrottledOperation, hub: String) throws(IoTHubError) {
        guard let throttles = self.throttles, let refusal = throttles.admit(operation, hub: hub) else { return }
        self.logger.debug("operation refused", metadata: ["hub": "\(hub)", "code": "\(refusal.code)", "reason": "\(refusal.message)"])
        throw refusal
    }

    /// Admits a new device connection. - Throws: as ``admit(_:hub:)``, the refusal logged with the device.
    public func admitConnection(_ identity: DeviceSessionIdentity) throws(IoTHubError) {
        guard let throttles = self.throttles, let refusal = throttles.admit(.connection, hub: identity.hub) else { return }
        self.logger.warning("connection refused", metadata: [
            "device": "\(identity.deviceID)", "code": "\(refusal.code)", "reason": "\(refusal.message)",
        ])
        throw refusal
    }

    /// The refusal of a device's PUBLISH, if its telemetry or twin request is over a throttle or the quota (method
    /// responses are the service's calls, charged there).
    func refusal(of topic: DeviceToHubTopic, payloadBytes: Int, identity: DeviceSessionIdentity) -> IoTHubError? {
        guard let throttles = self.throttles else { return nil }
        let operation: ThrottledOperation
        switch topic {
        case .telemetry: operation = .deviceToCloud(bytes: payloadBytes)
        case .twinGet: operation = .twinRead(bytes: 0)
        case .twinReportedPatch: operation = .twinUpdate(bytes: payloadBytes)
        case .methodResponse: return nil
        }
        return throttles.admit(operation, hub: identity.hub)
    }
}
