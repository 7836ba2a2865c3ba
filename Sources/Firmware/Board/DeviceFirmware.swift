import Crypto
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
        /// The board's UART for what is printed without the log system (MCUboot, the boot banner).
        public var console: @Sendable (String) -> Void
        /// `sys_reboot()`: the board powers the firmware off and boots again.
        public var reboot: @Sendable () -> Void
        /// Every line libmosquitto logs (the simulator's traffic ledger reads the packets from them).
        public var mqttLibraryLog: @Sendable (String) -> Void = { _ in }

        public init(
            modem: (any ModemLibrary)?, stateDirectory: String, appDirectory: String, resolver: HostResolver,
            uptime: any Uptime, macAddress: [UInt8], makeLogger: @escaping @Sendable (String) -> Logger,
            console: @escaping @Sendable (String) -> Void = { _ in }, reboot: @escaping @Sendable () -> Void = {}
        ) {
            self.modem = modem
            self.stateDirectory = stateDirectory
            self.appDirectory = appDirectory
            self.resolver = resolver
            self.uptime = uptime
            self.macAddress = macAddress
            self.makeLogger = makeLogger
            self.console = console
            self.reboot = reboot
        }
    }

    public let configuration: FirmwareConfiguration
    public let helper: MQTTHelper
    public let hub: AzureIoTHub
    public let dps: AzureIoTHubDPS?
    public let sample: AzureIoTHubSample
    public let settings: SettingsStorage
    /// The virtual MCUboot, when the build has it (`CONFIG_BOOTLOADER_MCUBOOT`).
    public let bootloader: Bootloader?
    /// The image running after this boot.
    public let runningVersion: String
    let platform: Platform
    /// Set by ``halt()``: from then on the image's log lines are dropped (``PoweredLogHandler``).
    let poweredOff = AtomicFlag()

    /// Powers the board on: MCUboot (test swap, revert), then the image is linked.
    /// - Throws: when the settings partition or the slots cannot be read, or the signing key file is bad.
    public init(configuration: FirmwareConfiguration, platform: Platform) throws {
        self.configuration = configuration
        self.platform = platform
        let bootloader: Bootloader?
        let runningVersion: String
        if configuration.value("BOOTLOADER_MCUBOOT", as: Bool.self) == true {
            let mcuboot = Bootloader(
                directory: URL(fileURLWithPath: platform.stateDirectory).appendingPathComponent("mcuboot").path,
                slotSize: configuration.simulator.slotSize,
                key: try Self.signingKey(configuration.simulator.imageSigningKeyFile, appDirectory: platform.appDirectory))
            let factory = MCUbootImage.Version(configuration.simulator.factoryImageVersion) ?? .init(major: 1, minor: 0, revision: 0)
            let (_, running) = try mcuboot.boot(factoryVersion: factory) { platform.console($0 + "\n") }
            bootloader = mcuboot
            runningVersion = running.version.description
        } else {
            bootloader = nil
            runningVersion = configuration.fota?.appVersion ?? "0.0.0-dev"
        }
        self.bootloader = bootloader
        self.runningVersion = runningVersion
        let fotaVersion = try configuration.fota.map {
            try Self.fotaCurrentVersion($0, simulator: configuration.simulator, imageVersion: runningVersion)
        }
        let poweredOff = self.poweredOff
        func poweredLogger(_ module: String) -> Logger {
            var logger = platform.makeLogger(module)
            logger.handler = PoweredLogHandler(wrapped: logger.handler, poweredOff: poweredOff)
            return logger
        }
        // Everything that can fail comes before the first thread starts.
        let settings = try SettingsStorage(
            directory: configuration.settings.backend == nil ? nil : platform.stateDirectory,
            logger: poweredLogger("settings"))
        self.settings = settings
        let logging = configuration.logging
        func logger(_ module: String) -> Logger {
            var logger = poweredLogger(module)
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
                keepAliveSeconds: MQTTKeepAlive.libraryKeepAlive(configuration.mqtt.keepaliveSeconds, scale: platform.uptime.scale),
                cleanSession: configuration.mqtt.cleanSession,
                payloadBufferLength: helper.payloadBufferLength, sendTimeoutSeconds: helper.sendTimeoutSeconds,
                staticIPAddress: helper.staticIPAddress, lastWill: helper.lastWill,
                certificatesFolder: nativeTLS ? certificatesFolder : nil),
            tls: tls, resolver: platform.resolver, logger: logger("mqtt_helper"), libraryLog: platform.mqttLibraryLog)
        self.helper = mqttHelper
        let systemWorkQueue = WorkQueue(name: "sysworkq", scale: platform.uptime.scale)
        self.dps = configuration.dps.map {
            AzureIoTHubDPS(
                configuration: $0, helper: mqttHelper, settings: settings, systemWorkQueue: systemWorkQueue,
                logger: logger("azure_iot_hub_dps"))
        }
        let fota: AzureFOTA? = configuration.fota.flatMap { fotaConfiguration in
            bootloader.map { bootloader in
                AzureFOTA(
                    configuration: fotaConfiguration, currentVersion: fotaVersion ?? fotaConfiguration.appVersion,
                    download: FOTADownload(
                        client: DownloadClient(
                            resolver: platform.resolver, tls: tls, secTag: fotaConfiguration.secTag,
                            bufferSize: fotaConfiguration.downloadBufferSize,
                            defaultFragmentSize: fotaConfiguration.httpFragmentSize, logger: logger("download_client")),
                        target: DFUTarget(bootloader: bootloader, logger: logger("dfu_target"), mcubootLogger: logger("dfu_target_mcuboot")),
                        logger: logger("fota_download")),
                    logger: logger("azure_fota"))
            }
        }
        self.hub = AzureIoTHub(
            hub: configuration.hub, fixes: SimulatorFixes(configuration), helper: self.helper, dps: self.dps,
            fota: fota, uptime: platform.uptime, logger: logger("azure_iot_hub"))
        let network: any NetworkInterface
        if let modem = platform.modem {
            let linkControl = configuration.lteLinkControl.enabled
                ? LTELinkControl(modem: modem, configuration: configuration.lteLinkControl, logger: logger("lte_lc")) : nil
            let lte = LTELink(modem: modem, linkControl: linkControl, logger: logger("nrf_modem_lib_netif"))
            lte.onSocketsClosed { [helper = self.helper] in helper.socketClosedByModem() }
            network = lte
        } else {
            network = WiFiLink()
        }
        let hwID = configuration.hwID.source.map {
            HWID(source: $0, modem: platform.modem, macAddress: platform.macAddress, deviceID: Self.ficrDeviceID(platform.macAddress))
        }
        self.sample = AzureIoTHubSample(
            hub: self.hub, dps: self.dps, network: network, hwID: hwID, configuration: configuration,
            uptime: platform.uptime, logger: logger("azure_iot_hub_sample"), bootloader: bootloader,
            reboot: platform.reboot)
    }

    /// `git describe` of the nRF Connect SDK checkout at its v2.9.0 tag (azure_fota/CMakeLists.txt:11-33 runs it in
    /// the nrf module's directory).
    static let sdkGitDescribe = "v2.9.0"

    /// azure_fota.c's `current_version` (nrfconnect/sdk-nrf v2.9.0 `subsys/net/lib/azure_fota/azure_fota.c:99-106`):
    /// `CONFIG_AZURE_FOTA_APP_VERSION`, or with `CONFIG_AZURE_FOTA_APP_VERSION_AUTO` the `git describe` of the SDK
    /// that `azure_fota/CMakeLists.txt:11-33` passes as `AZURE_FOTA_APP_VERSION`. It is not the booted image's
    /// version unless `CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE` says so.
    /// - Throws: the library's `BUILD_ASSERT` (`azure_fota.c:103`) when the version is empty and not automatic.
    static func fotaCurrentVersion(
        _ fota: FOTAConfiguration, simulator: SimulatorConfiguration, imageVersion: String
    ) throws -> String {
        if simulator.fotaVersionFromImage { return imageVersion }
        if fota.appVersionAuto { return Self.sdkGitDescribe }
        guard !fota.appVersion.isEmpty else { throw BootConfigurationError("CONFIG_AZURE_FOTA_APP_VERSION: No app version given") }
        return fota.appVersion
    }

    /// The image signing key MCUboot was built with: a PEM private or public P-256 key.
    static func signingKey(_ file: String?, appDirectory: String) throws -> P256.Signing.PublicKey? {
        guard let file else { return nil }
        let path = file.hasPrefix("/") ? file : URL(fileURLWithPath: appDirectory).appendingPathComponent(file).path
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BootConfigurationError("CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE: cannot read \(path)")
        }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { return key.publicKey }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return key }
        throw BootConfigurationError("CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE: \(path) is not a PEM ECDSA P-256 key")
    }

    /// The SoC's FICR DEVICEID words: derived from the board's (per state directory) MAC address, so each virtual
    /// board has its own.
    static func ficrDeviceID(_ mac: [UInt8]) -> (UInt32, UInt32) {
        let bytes = mac + [UInt8](repeating: 0, count: max(0, 6 - mac.count))
        let high = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let low = bytes[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } ^ 0xA5A5_A5A5
        return (high, low)
    }

    /// Powers the image off before a reboot: it prints nothing more, the application stops, the modem (reset with
    /// the SoC) drops its connections.
    public func halt() {
        self.poweredOff.set()
        self.sample.halt()
        self.helper.halt()
        _ = self.platform.modem?.atCommand("AT+CFUN=0")
    }

    /// The kernel's boot banner, then `main()` on its own thread.
    public func boot() {
        self.platform.console(BootBanner.text(self.configuration, applicationVersion: self.runningVersion))
        let thread = Thread { [sample = self.sample] in KernelThread.run(named: "main") { sample.main() } }
        thread.name = "main"
        thread.start()
    }
}
