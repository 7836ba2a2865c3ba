import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// Mirrors samples/net/azure_iot_hub/src/main.c (NCS 2.9): connect (with or without DPS), telemetry at an interval,
/// the `telemetryInterval` desired property, the `led` direct method, and C2D messages, all logged as the sample does.
public final class AzureIoTHubSample: Sendable {
    /// `RECV_BUF_SIZE`.
    static let receiveBufferSize = 1024

    let hub: AzureIoTHub
    let dps: AzureIoTHubDPS?
    let network: any NetworkInterface
    let hwID: HWID?
    let configuration: FirmwareConfiguration
    let uptime: any Uptime
    let logger: Logger
    /// `application_work_q`.
    /// main.c:440-442 starts it with no configuration, so its thread has no name.
    let workQueue: WorkQueue
    let networkConnected = KSemaphore(initial: 0, limit: 1)
    /// Guards `recv_buf` (a 1-count semaphore the sample never returns after an oversized patch).
    let receiveBufferFree = KSemaphore(initial: 1, limit: 1)
    let eventInterval: Mutex<Int>
    let leds = Mutex(false)
    let sendEventWork: Mutex<DelayableWork?> = Mutex(nil)
    let bootloader: Bootloader?
    let reboot: @Sendable () -> Void
    /// Set when the board powers this image off (a reboot): nothing of it runs any more.
    let halted = AtomicFlag()
    /// `CONFIG_SIM_AZURE_IOT_HUB_RECONNECT`'s state, nil without it; `reconnectWork` runs an attempt.
    let reconnect: Mutex<ReconnectBackoff?>
    let reconnectWork: Mutex<DelayableWork?> = Mutex(nil)
    /// The configuration `main()` connected with, for a reconnect.
    let connectConfig: Mutex<AzureIoTHubConfig?> = Mutex(nil)
    /// A random value in 0...1 for the reconnect delay's jitter (not a secret).
    let random: @Sendable () -> Double

    public init(
        hub: AzureIoTHub, dps: AzureIoTHubDPS?, network: any NetworkInterface, hwID: HWID?,
        configuration: FirmwareConfiguration, uptime: any Uptime, logger: Logger, bootloader: Bootloader? = nil,
        reboot: @escaping @Sendable () -> Void = {}, random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.hub = hub
        self.dps = dps
        self.network = network
        self.hwID = hwID
        self.configuration = configuration
        self.uptime = uptime
        self.workQueue = WorkQueue(name: "application_work_q", threadName: "", scale: uptime.scale)
        self.logger = logger
        self.bootloader = bootloader
        self.reboot = reboot
        self.random = random
        self.reconnect = Mutex(configuration.sample.reconnect.map(ReconnectBackoff.init))
        self.eventInterval = Mutex(configuration.sample.eventIntervalSeconds)
        self.sendEventWork.withLock {
            $0 = DelayableWork(queue: self.workQueue) { [weak self] in self?.sendEvent() }
        }
        self.reconnectWork.withLock {
            $0 = DelayableWork(queue: self.workQueue) { [weak self] in self?.reconnectNow() }
        }
    }

    /// LED1's state (set by the `led` method).
    public var ledOn: Bool { self.leds.withLock { $0 } }

    /// `main()`: returns once the connection request is sent (or it failed); the rest is event driven.
    public func main() {
        self.logger.info("Azure IoT Hub sample started")
        self.network.onConnectivity { [weak self] connected in self?.l4Event(connected) }
        self.logger.info("Bringing network interface up and connecting to the network")
        let err = self.network.connect()
        if err != 0 {
            self.logger.error("conn_mgr_all_if_connect, error: \(err)")
            return
        }
        // main()'s `cfg`: the Kconfig hostname and `use_dps = true`, which the library ignores without DPS.
        var config = AzureIoTHubConfig(hostname: self.configuration.hub.hostname, useDPS: true)
        if self.configuration.sample.deviceIDFromHWID {
            guard let id = self.hwID?.get() else {
                self.logger.error("Failed to retrieve device ID")
                return
            }
            config.deviceID = id
        }
        let deviceID = config.deviceID ?? self.configuration.hub.deviceID ?? ""
        config.deviceID = deviceID
        self.logger.info("Device ID: \(deviceID)")
        if self.dps == nil { self.logger.info("Host name: \(self.configuration.hub.hostname ?? "")") }
        _ = self.networkConnected.take()
        self.logger.info("Connected to network")
        if let dps = self.dps {
            guard let assignment = self.runDPS(dps, registrationID: deviceID) else { return }
            config.hostname = assignment.hostname
            config.deviceID = assignment.deviceID
        }
        let initErr = self.hub.initialize { [weak self] event in self?.handleEvent(event) }
        guard initErr == 0 else {
            self.logger.error("Azure IoT Hub could not be initialized, error: \(initErr)")
            return
        }
        self.logger.info("Azure IoT Hub library initialized")
        self.connectConfig.withLock { $0 = config }
        let connectErr = self.hub.connect(config)
        guard connectErr >= 0 else {
            self.logger.error("azure_iot_hub_connect failed: \(connectErr)")
            return self.scheduleReconnect()  // with CONFIG_SIM_AZURE_IOT_HUB_RECONNECT only
        }
        self.logger.info("Connection request sent to IoT Hub")
    }

    /// Stops everything of this image (the board is rebooting).
    func halt() { self.halted.set() }

    /// The L4 handler (`l4_event_handler()`).
    private func l4Event(_ connected: Bool) {
        guard !self.halted.isSet else { return }
        if connected {
            self.logger.info("Network connectivity established and IP address assigned")
            self.networkConnected.give()
        } else {
            self.logger.info("Network connectivity lost, no IP address assigned")
            // main.c:398-401: on_net_event_l4_disconnected() ignores the result.
            _ = self.hub.disconnect()
        }
    }

    /// `dps_run()`: the explicit DPS step of the sample before `azure_iot_hub_connect()` (nrfconnect/sdk-nrf v2.9.0
    /// `samples/net/azure_iot_hub/src/main.c`), with `main()`'s "Failed to run DPS" line for its error.
    private func runDPS(_ dps: AzureIoTHubDPS, registrationID: String) -> (hostname: String, deviceID: String)? {
        func failed(_ err: Int32) -> (hostname: String, deviceID: String)? {
            self.logger.error("Failed to run DPS, error: \(err), terminating connection attempt")
            return nil
        }
        self.logger.info("Starting DPS")
        let done = KSemaphore(initial: 0, limit: 1)
        let successful = Mutex(false)
        var err = dps.initialize(
            AzureIoTHubDPSConfig(
                handler: { [logger = self.logger] status in
                    logger.info("DPS registration status: \(status)")
                    if status == .assigned || status == .failed {
                        successful.withLock { $0 = status == .assigned }
                        done.give()
                    }
                }, registrationID: registrationID))
        if err != 0 {
            self.logger.error("azure_iot_hub_dps_init failed, error: \(err)")
            return failed(err)
        }
        err = dps.start()
        if err == 0 {
            self.logger.info("The DPS process has started, timeout is set to \(dps.configuration.timeoutSeconds) seconds")
            _ = done.take()
            if !successful.withLock({ $0 }) { return failed(-Errno.EFAULT) }
        } else if err == -Errno.EALREADY {
            self.logger.info("Already assigned to an IoT hub, skipping DPS")
        } else {
            self.logger.error("DPS failed to start, error: \(err)")
            return failed(err)
        }
        guard let hostname = dps.hostnameGet() else {
            self.logger.error("Failed to get hostname, error: \(-Errno.ENOENT)")
            return failed(-Errno.ENOENT)
        }
        guard let deviceID = dps.deviceIDGet() else {
            self.logger.error("Failed to get device ID, error: \(-Errno.ENOENT)")
            return failed(-Errno.ENOENT)
        }
        self.logger.info("Device ID \"\(deviceID)\" assigned to IoT hub with hostname \"\(hostname)\"")
        return (hostname, deviceID)
    }
}
