import Logging
import IoTHubTopics

/// The SKU's quota and throttles applied to the hub's operations (see ``HubThrottles``); without a SKU every
/// operation is admitted.
extension HubCore {
    /// Admits `operation` on `hub`. - Throws: 429001 ThrottlingException or 403002 IoTHubQuotaExceeded.
    public func admit(_ operation: ThrottledOperation, hub: String) throws(IoTHubError) {
        if let refusal = self.check(operation, hub: hub, deviceID: nil) { throw refusal }
    }

    /// Admits a new device connection. - Throws: as ``admit(_:hub:)``.
    public func admitConnection(_ identity: DeviceSessionIdentity) throws(IoTHubError) {
        if let refusal = self.check(.connection, hub: identity.hub, deviceID: identity.deviceID) { throw refusal }
    }

    /// The refusal of a device's PUBLISH, if its telemetry or twin request is over a throttle or the quota (method
    /// responses are the service's calls, charged there).
    func refusal(of topic: DeviceToHubTopic, payloadBytes: Int, identity: DeviceSessionIdentity) -> IoTHubError? {
        guard self.throttles != nil else { return nil }
        let operation: ThrottledOperation
        switch topic {
        case .telemetry: operation = .deviceToCloud(bytes: payloadBytes)
        case .twinGet: operation = .twinRead(bytes: 0)
        case .twinReportedPatch: operation = .twinUpdate(bytes: payloadBytes)
        case .methodResponse: return nil
        }
        return self.check(operation, hub: identity.hub, deviceID: identity.deviceID)
    }

    /// The refusal of `operation`, if any, logged the first time and then once per hundred with the running count,
    /// so that a client over its limits does not flood the log.
    private func check(_ operation: ThrottledOperation, hub: String, deviceID: String?) -> IoTHubError? {
        guard let throttles = self.throttles, let (refusal, count) = throttles.check(operation, hub: hub) else { return nil }
        if count == 1 || count % 100 == 0 {
            self.logger.warning("operations refused over the hub's limits", metadata: [
                "hub": "\(hub)", "device": "\(deviceID ?? "-")", "code": "\(refusal.code)", "count": "\(count)",
                "reason": "\(refusal.message)",
            ])
        }
        return refusal
    }
}
