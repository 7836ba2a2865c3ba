/// The library's connection state (`enum iot_hub_state` in azure_iot_hub.c).
public enum AzureIoTHubState: Sendable, CustomStringConvertible {
    case uninit, disconnected, connecting, transportConnected, connected, disconnecting

    public var description: String {
        switch self {
        case .uninit: return "STATE_UNINIT"
        case .disconnected: return "STATE_DISCONNECTED"
        case .connecting: return "STATE_CONNECTING"
        case .transportConnected: return "STATE_TRANSPORT_CONNECTED"
        case .connected: return "STATE_CONNECTED"
        case .disconnecting: return "STATE_DISCONNECTING"
        }
    }

    /// The legal transitions (`iot_hub_state_set()`).
    func canMove(to next: AzureIoTHubState) -> Bool {
        switch (self, next) {
        case (.uninit, .disconnected), (.disconnected, .connecting), (.connecting, .connected),
            (.connecting, .disconnected), (.transportConnected, .connecting), (.connected, .disconnecting),
            (.connected, .disconnected), (.disconnecting, .disconnected), (.disconnecting, .transportConnected):
            return true
        default:
            return false
        }
    }
}
