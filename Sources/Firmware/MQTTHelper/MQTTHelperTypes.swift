/// Mirrors `enum mqtt_state` (mqtt_helper.h).
public enum MQTTState: Int, Sendable, CustomStringConvertible {
    case uninit, disconnected, transportConnecting, connecting, transportConnected, connected, disconnecting

    public var description: String {
        switch self {
        case .uninit: return "MQTT_STATE_UNINIT"
        case .disconnected: return "MQTT_STATE_DISCONNECTED"
        case .transportConnecting: return "MQTT_STATE_TRANSPORT_CONNECTING"
        case .connecting: return "MQTT_STATE_CONNECTING"
        case .transportConnected: return "MQTT_STATE_TRANSPORT_CONNECTED"
        case .connected: return "MQTT_STATE_CONNECTED"
        case .disconnecting: return "MQTT_STATE_DISCONNECTING"
        }
    }

    /// The helper's legal transitions (`state_verify()` in mqtt_helper.c).
    func canMove(to next: MQTTState) -> Bool {
        switch (self, next) {
        case (.uninit, .disconnected), (.disconnected, .transportConnecting), (.disconnected, .uninit),
            (.transportConnecting, .connecting), (.transportConnecting, .disconnected),
            (.connecting, .connected), (.connecting, .disconnected),
            (.transportConnected, .connecting), (.transportConnected, .disconnected),
            (.connected, .disconnecting), (.connected, .disconnected),
            (.disconnecting, .disconnected):
            return true
        default:
            return false
        }
    }
}

/// Mirrors `enum mqtt_helper_error`.
public enum MQTTHelperError: Sendable { case messageSize }

/// Mirrors `struct mqtt_helper_cfg` (its `cb` member). Every callback runs on the MQTT helper thread.
public struct MQTTHelperConfig: Sendable {
    public var onConnack: @Sendable (_ returnCode: Int32, _ sessionPresent: Bool) -> Void = { _, _ in }
    public var onDisconnect: @Sendable (_ result: Int32) -> Void = { _ in }
    public var onPublish: @Sendable (_ topic: String, _ payload: [UInt8]) -> Void = { _, _ in }
    public var onPuback: @Sendable (_ messageID: UInt16, _ result: Int32) -> Void = { _, _ in }
    public var onSuback: @Sendable (_ messageID: UInt16, _ result: Int32) -> Void = { _, _ in }
    public var onPingresp: @Sendable () -> Void = {}
    public var onError: @Sendable (MQTTHelperError) -> Void = { _ in }

    public init() {}
}

/// Mirrors `struct mqtt_helper_conn_params`.
public struct MQTTHelperConnParams: Sendable {
    public var hostname: String
    /// The MQTT client id.
    public var deviceID: String
    public var userName: String
    public var password: String?
    /// Which service the connection is for (the resolver's local mapping differs).
    public var service: HostResolver.Service

    public init(hostname: String, deviceID: String, userName: String, password: String? = nil, service: HostResolver.Service) {
        self.hostname = hostname
        self.deviceID = deviceID
        self.userName = userName
        self.password = password
        self.service = service
    }
}

/// The helper's build-time configuration: the `CONFIG_MQTT_HELPER_*` and `CONFIG_MQTT_*` values it reads.
public struct MQTTHelperSettings: Sendable {
    public var port: Int
    public var secTag: Int?
    public var secondarySecTag: Int?
    public var keepAliveSeconds: Int
    public var cleanSession: Bool
    public var payloadBufferLength: Int
    public var sendTimeoutSeconds: Int?
    public var staticIPAddress: String?
    public var lastWill: (topic: String, message: String)?
    /// `CONFIG_MQTT_HELPER_PROVISION_CERTIFICATES`: the folder to provision from, at the first connect.
    public var certificatesFolder: String?

    public init(
        port: Int, secTag: Int?, secondarySecTag: Int?, keepAliveSeconds: Int, cleanSession: Bool,
        payloadBufferLength: Int, sendTimeoutSeconds: Int?, staticIPAddress: String?,
        lastWill: (topic: String, message: String)?, certificatesFolder: String?
    ) {
        self.port = port
        self.secTag = secTag
        self.secondarySecTag = secondarySecTag
        self.keepAliveSeconds = keepAliveSeconds
        self.cleanSession = cleanSession
        self.payloadBufferLength = payloadBufferLength
        self.sendTimeoutSeconds = sendTimeoutSeconds
        self.staticIPAddress = staticIPAddress
        self.lastWill = lastWill
        self.certificatesFolder = certificatesFolder
    }
}
