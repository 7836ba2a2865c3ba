import FirmwareConfig
import Foundation
import Logging

/// The firmware image for one board: the libraries and the sample wired as the build would link them.
public final class DeviceFirmware: Sendable {
    /// What the board provides to the firmware.
    public struct Platform: Sendable {
        /// The nRF91 modem; nil on boards without one (nRF70).
        public var modem: (any ModemLibrary)?
        /// Where the settings partition lives.
        public var stateDirectory: String
        /// The application source directory (`certs/` is found there).
        public var appDirectory: String
        public var resolver: HostResolver
        public var uptime: any Uptime
        /// The board's network MAC address (nRF70 HW ID source).
        public var macAddress: [UInt8]
        /// Makes a logger for a Zephyr log module; the firmware sets its level from Kconfig.
        public var makeLogger: @Sendable (String) -> Logger

        public init(
            modem: (any ModemLibrary)?, stateDirectory: String, appDirectory: String, resolver: HostResolver,
            uptime: any Uptime, macAddress: [UInt8], makeLogger: @escaping @Sendable (String) -> Logger
        ) {
            self.modem = modem
            self.stateDirectory = stateDirectory
            self.appDirectory = appDirectory
            self.resolver = resolver
            self.uptime = uptime
            self.macAddress = macAddress
            self.makeLogger = makeLogger
        }
    }

    public let configuration: FirmwareConfiguration
    public let helper: MQTTHelper
    public let hub: AzureIoTHub
    public let dps: AzureIoTHubDPS?
    public let sample: AzureIoTHubSample
    public let settings: SettingsStorage

    /// Links the image. - Throws: when the settings partition cannot be read.
    public init(configuration: FirmwareConfiguration, platform: Platform) throws {
        self.configuration = configuration
        let logging = configuration.logging
        func logger(_ module: String) -> Logger {
            var logger = platform.makeLogger(module)
            switch logging.level(of: module) {
            case .debug: logger.logLevel = .debug
            case .info: logger.logLevel = .info
            case .warning: logger.logLevel = .warning
            case .error: logger.logLevel = .error
            case .off: logger.logLevel = .critical
            }
            return logger
        }
        let helper = configuration.mqttHelper
        let tls: TLSProvider
        if let modem = platform.modem, !helper.nativeTLS {
            tls = .offloaded(modem)
        } else {
            tls = .native(TLSCredentials())
        }
        let nativeTLS = if case .native = tls { true } else { false }
        let certificatesFolder = helper.certificatesFolder.map {
            URL(fileURLWithPath: platform.appDirectory).appendingPathComponent($0).path
        }
        let mqttHelper = MQTTHelper(
            settings: MQTTHelperSettings(
                port: helper.port, secTag: helper.secTag, secondarySecTag: helper.secondarySecTag,
                keepAliveSeconds: configuration.mqtt.keepaliveSeconds, cleanSession: configuration.mqtt.cleanSession,
                payloadBufferLength: helper.payloadBufferLength, sendTimeoutSeconds: helper.sendTimeoutSeconds,
                staticIPAddress: helper.staticIPAddress, lastWill: helper.lastWill,
                certificatesFolder: nativeTLS ? certificatesFolder : nil),
            tls: tls, resolver: platform.resolver, logger: logger("mqtt_helper"))
        self.helper = mqttHelper
        let settings = try SettingsStorage(directory: configuration.settings.backend == nil ? nil : platform.stateDirectory)
        self.settings = settings
        let systemWorkQueue = WorkQueue(name: "sysworkq")
        self.dps = configuration.dps.map {
            AzureIoTHubDPS(
                configuration: $0, helper: mqttHelper, settings: settings, systemWorkQueue: systemWorkQueue,
                logger: logger("azure_iot_hub_dps"))
        }
        self.hub = AzureIoTHub(
            hub: configuration.hub, fixes: SimulatorFixes(configuration), helper: self.helper, dps: self.dps,
            uptime: platform.uptime, logger: logger("azure_iot_hub"))
        let network: any NetworkInterface =
            platform.modem.map { LTELink(modem: $0, logger: logger("nrf_modem_lib_netif")) } ?? WiFiLink()
        let hwID = configuration.hwID.source.map {
            HWID(source: $0, modem: platform.modem, macAddress: platform.macAddress, deviceID: Self.ficrDeviceID(platform.macAddress))
        }
        self.sample = AzureIoTHubSample(
            hub: self.hub, dps: self.dps, network: network, hwID: hwID, configuration: configuration,
            uptime: platform.uptime, logger: logger("azure_iot_hub_sample"))
    }

    /// The SoC's FICR DEVICEID words: derived from the board's (per state directory) MAC address, so each virtual
    /// board has its own.
    static func ficrDeviceID(_ mac: [UInt8]) -> (UInt32, UInt32) {
        let bytes = mac + [UInt8](repeating: 0, count: max(0, 6 - mac.count))
        let high = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let low = bytes[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } ^ 0xA5A5_A5A5
        return (high, low)
    }

    /// Runs `main()` on its own thread, as the kernel does after boot.
    public func boot() {
        let thread = Thread { [sample = self.sample] in sample.main() }
        thread.name = "main"
        thread.start()
    }
}
