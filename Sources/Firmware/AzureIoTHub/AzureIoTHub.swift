import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// Mirrors azure_iot_hub.c: the SDK's Azure IoT Hub library. One instance per device, like the C library's globals.
public final class AzureIoTHub: Sendable {
    struct Shared {
        var state: AzureIoTHubState = .uninit
        var handler: AzureIoTHubEventHandler?
        /// The device id of the current connection (telemetry topics carry it).
        var deviceID = ""
    }

    let hub: HubConfiguration
    let fixes: SimulatorFixes
    let helper: MQTTHelper
    let dps: AzureIoTHubDPS?
    let fota: AzureFOTA?
    let uptime: any Uptime
    let logger: Logger
    let shared = Mutex(Shared())

    /// - Parameters:
    ///   - hub: `CONFIG_AZURE_IOT_HUB_*`.
    ///   - helper: the MQTT helper (shared with DPS).
    ///   - dps: the DPS library when `CONFIG_AZURE_IOT_HUB_DPS` is on.
    ///   - uptime: `k_uptime_get()`, for generated request ids.
    public init(
        hub: HubConfiguration, fixes: SimulatorFixes, helper: MQTTHelper, dps: AzureIoTHubDPS?, fota: AzureFOTA? = nil,
        uptime: any Uptime, logger: Logger
    ) {
        self.hub = hub
        self.fixes = fixes
        self.helper = helper
        self.dps = dps
        self.fota = fota
        self.uptime = uptime
        self.logger = logger
    }

    /// The library state.
    public var state: AzureIoTHubState { self.shared.withLock { $0.state } }

    /// Mirrors `azure_iot_hub_init()`. - Returns: 0, `-EALREADY` unless UNINIT or DISCONNECTED, `-EINVAL` for nil,
    /// or `azure_fota_init()`'s error.
    public func initialize(_ handler: AzureIoTHubEventHandler?) -> Int32 {
        let result: Int32 = self.shared.withLock { shared in
            guard shared.state == .uninit || shared.state == .disconnected else {
                self.logger.warning("Azure IoT Hub cannot be re-initialized in this state: \(shared.state)")
                return -Errno.EALREADY
            }
            guard handler != nil else {
                self.logger.error("Event handler must be provided")
                return -Errno.EINVAL
            }
            return 0
        }
        guard result == 0, let handler else { return result }
        if let fota = self.fota {
            let err = fota.initialize { [weak self] event in self?.fotaEvent(event) }
            if err != 0 {
                self.logger.error("Failed to initialize Azure FOTA, error: \(err)")
                return err
            }
            self.logger.debug("Azure FOTA initialized")
        }
        self.shared.withLock { shared in
            shared.handler = handler
            self.move(&shared, to: .disconnected)
        }
        return 0
    }

    /// Mirrors `azure_iot_hub_connect()`: blocks through DPS (when `useDPS`), DNS, TCP, TLS and the CONNECT write;
    /// returns before CONNACK. Nil `config` uses Kconfig.
    public func connect(_ config: AzureIoTHubConfig?) -> Int32 {
        let refusal: Int32? = self.shared.withLock { shared in
            switch shared.state {
            case .connecting:
                self.logger.warning("Azure IoT Hub connection establishment in progress")
                return -Errno.EINPROGRESS
            case .connected:
                self.logger.warning("Azure IoT Hub is already connected")
                return -Errno.EALREADY
            case .disconnected:
                self.move(&shared, to: .connecting)
                return nil
            default:
                self.logger.warning("Azure IoT Hub is not in initialized and disconnected state")
                return -Errno.ENOENT
            }
        }
        if let refusal { return refusal }
        self.emit(AzureIoTHubEvent(type: .connecting))
        let result = self.connectAfterEvent(config ?? AzureIoTHubConfig())
        if result != 0 { self.shared.withLock { _ = self.move(&$0, to: .disconnected) } }
        return result
    }

    /// The rest of `azure_iot_hub_connect()` (nrfconnect/sdk-nrf v2.9.0 `subsys/net/lib/azure_iot_hub/src/
    /// azure_iot_hub.c`): a static IP address takes the hostname's place; the Kconfig hostname and device id fill in
    /// only when DPS is not compiled in; with DPS compiled in, `useDPS` makes its assignment win over both (and
    /// without DPS, `useDPS` is ignored).
    private func connectAfterEvent(_ config: AzureIoTHubConfig) -> Int32 {
        var hostname = config.hostname ?? ""
        var deviceID = config.deviceID ?? ""
        if let staticIP = self.helper.settings.staticIPAddress {
            self.logger.debug("Using static IP address: \(staticIP)")
            hostname = staticIP
        } else if hostname.isEmpty && self.dps == nil {
            self.logger.debug("No hostname provided, using Kconfig value: \(self.hub.hostname ?? "")")
            hostname = self.hub.hostname ?? ""
        }
        if deviceID.isEmpty && self.dps == nil {
            self.logger.debug("No device ID provided, using Kconfig value: \(self.hub.deviceID ?? "")")
            deviceID = self.hub.deviceID ?? ""
        }
        if let dps = self.dps, config.useDPS {
            self.logger.debug("Starting DPS, timeout is \(dps.configuration.timeoutSeconds) seconds")
            switch self.runDPS(dps, registrationID: deviceID) {
            case .success(let assignment):
                (hostname, deviceID) = (assignment.hostname, assignment.deviceID)
                self.logger.debug("Using the assigned hub (size: \(hostname.utf8.count)): \(hostname)")
                self.logger.debug("Using the assigned device ID: \(deviceID)")
            case .failure(let error):
                return error.code
            }
        }
        let initialized = self.helper.initialize(self.helperConfig())
        guard initialized == 0 else {
            self.logger.error("mqtt_helper_init failed, error: \(initialized)")
            return -Errno.EFAULT
        }
        self.shared.withLock { $0.deviceID = deviceID }
        let userName = AzureIoTHubClient.userName(hostname: hostname, deviceID: deviceID)
        guard userName.utf8.count < self.hub.userNameBufferSize else {
            // azure_iot_hub.c:897: az_iot_hub_client_get_user_name()'s AZ_ERROR_NOT_ENOUGH_SPACE.
            self.logger.error("Failed to get user name, az error: 0x\(String(AzureSDKResult.notEnoughSpace, radix: 16))")
            return -Errno.EFAULT
        }
        self.logger.debug("User name: \(userName)")
        self.logger.debug(
            "User name buffer size is \(self.hub.userNameBufferSize), actual user name size is: \(userName.utf8.count)")
        // mqtt_helper_connect() dials the static IP address itself, when one is configured.
        let err = self.helper.connect(
            MQTTHelperConnParams(hostname: hostname, deviceID: deviceID, userName: userName, service: .hub))
        if err != 0 { self.logger.error("mqtt_helper_connect failed, error: \(err)") }
        return err
    }

    /// Mirrors `azure_iot_hub_disconnect()`. `EVT_DISCONNECTED` reaches the handler before this returns.
    public func disconnect() -> Int32 {
        let allowed = self.shared.withLock { shared -> Bool in
            guard shared.state == .connected else { return false }
            self.move(&shared, to: .disconnecting)
            return true
        }
        guard allowed else {
            self.logger.warning("Azure IoT Hub is not connected")
            return -Errno.ENOTCONN
        }
        let err = self.helper.disconnect()
        if err != 0 {
            self.logger.error("Failed to gracefully disconnect from MQTT broker, error: \(err)")
            self.shared.withLock { _ = self.move(&$0, to: .disconnected) }
            return -Errno.ENXIO
        }
        return 0
    }

    var deviceIDForTopics: String { self.shared.withLock { $0.deviceID } }

    /// Raises `event` on the calling thread.
    func emit(_ event: AzureIoTHubEvent) {
        let handler = self.shared.withLock { $0.handler }
        handler?(event)
    }

    /// `iot_hub_state_set()` from an event callback: an illegal transition raises `EVT_ERROR(-EINVAL)`.
    func setState(_ next: AzureIoTHubState) {
        let legal = self.shared.withLock { self.move(&$0, to: next) }
        if !legal { self.emit(AzureIoTHubEvent(type: .error, data: .err(-Errno.EINVAL))) }
    }

    /// - Returns: false for an illegal transition (logged; the state is unchanged).
    @discardableResult
    func move(_ shared: inout Shared, to next: AzureIoTHubState) -> Bool {
        guard shared.state != next else {
            self.logger.debug("Skipping transition to the same state (\(next))")
            return true
        }
        guard shared.state.canMove(to: next) else {
            self.logger.error("Invalid connection state transition, \(shared.state) --> \(next)")
            return false
        }
        self.logger.debug("State transition: \(shared.state) --> \(next)")
        shared.state = next
        return true
    }
}
