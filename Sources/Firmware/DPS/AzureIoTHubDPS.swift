import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// Mirrors `enum azure_iot_hub_dps_reg_status`.
public enum AzureIoTHubDPSRegStatus: Int32, Sendable, CustomStringConvertible {
    case notStarted = 0, assigning, assigned, failed

    public var description: String {
        switch self {
        case .notStarted: return "AZURE_IOT_HUB_DPS_REG_STATUS_NOT_STARTED"
        case .assigning: return "AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNING"
        case .assigned: return "AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNED"
        case .failed: return "AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"
        }
    }
}

/// Mirrors `struct azure_iot_hub_dps_config`.
public struct AzureIoTHubDPSConfig: Sendable {
    public var handler: (@Sendable (AzureIoTHubDPSRegStatus) -> Void)?
    /// Nil or empty: `CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE`.
    public var idScope: String?
    /// Nil or empty: `CONFIG_AZURE_IOT_HUB_DPS_REG_ID`.
    public var registrationID: String?

    public init(handler: (@Sendable (AzureIoTHubDPSRegStatus) -> Void)?, idScope: String? = nil, registrationID: String? = nil) {
        self.handler = handler
        self.idScope = idScope
        self.registrationID = registrationID
    }
}

/// Mirrors azure_iot_hub_dps.c: registration through the MQTT helper, the assignment kept in settings.
public final class AzureIoTHubDPS: Sendable {
    enum ConnectionState: CustomStringConvertible {
        case uninit, disconnected, connecting, connected, disconnecting
        var description: String {
            switch self {
            case .uninit: return "DPS_STATE_UNINIT"
            case .disconnected: return "DPS_STATE_DISCONNECTED"
            case .connecting: return "DPS_STATE_CONNECTING"
            case .connected: return "DPS_STATE_CONNECTED"
            case .disconnecting: return "DPS_STATE_DISCONNECTING"
            }
        }
    }

    struct Shared {
        var state: ConnectionState = .uninit
        var status: AzureIoTHubDPSRegStatus = .notStarted
        var handler: (@Sendable (AzureIoTHubDPSRegStatus) -> Void)?
        var idScope = ""
        var registrationID = ""
        var hostname: String?
        var deviceID: String?
        var settingsLoaded = false
        var operationID = ""
        var retries = 0
        var timeoutGeneration = 0
    }

    /// `AZURE_IOT_HUB_DPS_REG_STATUS_UPDATE_MAX_RETRIES`.
    static let maximumStatusRetries = 10
    /// `RETRY_AFTER_SEC_DEFAULT`: used when the service sends no (or a zero) retry-after.
    static let defaultRetryAfterSeconds: UInt32 = 20
    static let settingsSubtree = "azure_iot_hub"

    let configuration: DPSConfiguration
    let helper: MQTTHelper
    let settings: SettingsStorage
    let systemWorkQueue: WorkQueue
    let logger: Logger
    let shared = Mutex(Shared())

    public init(
        configuration: DPSConfiguration, helper: MQTTHelper, settings: SettingsStorage, systemWorkQueue: WorkQueue,
        logger: Logger
    ) {
        self.configuration = configuration
        self.helper = helper
        self.settings = settings
        self.systemWorkQueue = systemWorkQueue
        self.logger = logger
    }

    /// Mirrors `azure_iot_hub_dps_init()`.
    /// - Returns: 0; `-EINVAL` without a handler; `-EFAULT` when the registration id or ID scope is empty.
    public func initialize(_ config: AzureIoTHubDPSConfig) -> Int32 {
        guard let handler = config.handler else { return -Errno.EINVAL }
        let stored = self.settings.load(subtree: Self.settingsSubtree)
        let result: Int32 = self.shared.withLock { shared in
            if shared.state != .uninit && shared.state != .disconnected {
                self.logger.error("DPS cannot start in the current state (\(shared.state))")
            }
            let registrationID = config.registrationID.flatMap { $0.isEmpty ? nil : $0 } ?? self.configuration.registrationID ?? ""
            let idScope = config.idScope.flatMap { $0.isEmpty ? nil : $0 } ?? self.configuration.idScope
            guard !registrationID.isEmpty else {
                self.logger.error("Registration ID length is zero, DPS cannot proceed")
                return -Errno.EFAULT
            }
            guard !idScope.isEmpty else {
                self.logger.error("ID scope length is zero, DPS cannot proceed")
                return -Errno.EFAULT
            }
            shared.registrationID = registrationID
            shared.idScope = idScope
            shared.handler = handler
            shared.settingsLoaded = true
            shared.hostname = stored["hostname"].map { String($0.prefix(self.configuration.hostnameMaxLength - 1)) }
            shared.deviceID = stored["device_id"].map { String($0.prefix(self.configuration.deviceIDMaxLength - 1)) }
            if shared.hostname != nil || shared.deviceID != nil { self.logger.debug("Assignment loaded from settings") }
            shared.state = .disconnected
            shared.status = .notStarted
            return 0
        }
        if result == 0 { handler(.notStarted) }
        return result
    }

    /// Mirrors `azure_iot_hub_dps_start()`.
    /// - Returns: 0 once CONNECT is sent; `-EACCES` unless initialised and idle; `-EALREADY` when assigning or
    ///   already assigned (a stored hostname and device id); the MQTT helper's errors.
    public func start() -> Int32 {
        let outcome: Int32? = self.shared.withLock { shared in
            guard shared.state == .disconnected else {
                self.logger.error("DPS cannot start in the current state (\(shared.state))")
                return -Errno.EACCES
            }
            if shared.status == .assigning {
                self.logger.error("Registration is already ongoing")
                return -Errno.EALREADY
            }
            if let hostname = shared.hostname, let deviceID = shared.deviceID {
                self.logger.debug("Device \"\(deviceID)\" is assigned to IoT hub: \(hostname)")
                self.logger.debug("To re-register, call azure_iot_hub_dps_reset() first")
                shared.status = .assigned
                return -Errno.EALREADY
            }
            shared.status = .notStarted
            shared.retries = 0  // provisioning_client_init()
            return nil
        }
        if let outcome { return outcome }
        let (scope, registrationID) = self.shared.withLock { ($0.idScope, $0.registrationID) }
        let userName = AzureProvisioningClient.userName(idScope: scope, registrationID: registrationID)
        guard userName.utf8.count < self.configuration.userNameBufferSize else {
            // azure_iot_hub_dps.c:701: az_iot_provisioning_client_get_user_name()'s AZ_ERROR_NOT_ENOUGH_SPACE.
            self.logger.error("Failed to get user name, error: 0x\(String(AzureSDKResult.notEnoughSpace, radix: 16))")
            return -Errno.EFAULT
        }
        let initialized = self.helper.initialize(self.helperConfig())
        guard initialized == 0 else {
            self.logger.error("mqtt_helper_init failed, error: \(initialized)")
            return -Errno.EFAULT
        }
        self.logger.debug("Using DPS host name: \(self.configuration.hostname)")
        self.logger.debug("User name: \(userName)")
        self.shared.withLock { self.move(&$0, to: .connecting) }
        let err = self.helper.connect(
            MQTTHelperConnParams(
                hostname: self.configuration.hostname, deviceID: registrationID, userName: userName, service: .dps))
        guard err == 0 else {
            self.logger.error("mqtt_helper_connect failed, error: \(err)")
            self.shared.withLock { self.move(&$0, to: .disconnected) }
            _ = self.helper.deinitialize()
            return err
        }
        self.armTimeout()
        return 0
    }

    /// Mirrors `azure_iot_hub_dps_hostname_get()`. - Returns: the assigned hub, or nil (`-ENOENT`).
    public func hostnameGet() -> String? { self.shared.withLock { $0.hostname } }

    /// Mirrors `azure_iot_hub_dps_device_id_get()`. - Returns: the assigned device id, or nil (`-ENOENT`).
    public func deviceIDGet() -> String? { self.shared.withLock { $0.deviceID } }

    /// Mirrors `azure_iot_hub_dps_hostname_delete()`.
    public func hostnameDelete() -> Int32 { self.delete("hostname") { $0.hostname = nil } }

    /// Mirrors `azure_iot_hub_dps_device_id_delete()`.
    public func deviceIDDelete() -> Int32 { self.delete("device_id") { $0.deviceID = nil } }

    /// Mirrors `azure_iot_hub_dps_reset()`: disconnects, forgets everything, deletes the stored assignment.
    /// - Returns: 0, `-ENOENT` before `init` (settings not loaded), or the settings error.
    public func reset() -> Int32 {
        let (state, loaded) = self.shared.withLock { ($0.state, $0.settingsLoaded) }
        if state != .uninit && state != .disconnected {
            let err = self.helper.disconnect()
            if err != 0 {
                self.logger.error("Failed to disconnect MQTT, abandoning connection, error: \(err)")
            } else {
                self.logger.warning("The MQTT connection has been closed")
            }
        }
        self.shared.withLock { shared in
            shared = Shared(timeoutGeneration: shared.timeoutGeneration + 1)
        }
        guard loaded else { return -Errno.ENOENT }
        let first = self.hostnameDelete()
        let second = self.deviceIDDelete()
        return first != 0 ? first : second
    }

    private func delete(_ key: String, _ clear: (inout Shared) -> Void) -> Int32 {
        do {
            try self.settings.delete("\(Self.settingsSubtree)/\(key)_len")
            try self.settings.delete("\(Self.settingsSubtree)/\(key)")
        } catch {
            self.logger.error("Failed to delete \(key) from settings: \(error)")
            return -Errno.EFAULT
        }
        self.shared.withLock { clear(&$0) }
        return 0
    }

    /// Mirrors `dps_state_set()`: only the transitions upstream allows; another is logged and not made.
    func move(_ shared: inout Shared, to next: ConnectionState) {
        guard shared.state != next else { return }
        let allowed: Set<ConnectionState> = switch shared.state {
        case .uninit: [.disconnected]
        case .disconnected: [.connecting]
        case .connecting: [.connected, .disconnecting, .disconnected]
        case .connected: [.disconnecting, .disconnected]
        case .disconnecting: [.disconnected]
        }
        guard allowed.contains(next) else {
            self.logger.error("Invalid connection state transition, \(shared.state) --> \(next)")
            return
        }
        self.logger.debug("State transition: \(shared.state) --> \(next)")
        shared.state = next
    }
}
