import Kconfig

/// The board and SoC the firmware runs on.
public struct BoardConfiguration: Sendable, Equatable {
    /// `CONFIG_BOARD_TARGET`, e.g. `nrf9161dk/nrf9161/ns`.
    public var target: String
    /// `CONFIG_SOC`, e.g. `nrf9161`.
    public var soc: String
    /// `CONFIG_NRF_MODEM_LIB`: connectivity and TLS through the nRF91 modem.
    public var usesModem: Bool
    /// `CONFIG_WIFI_NRF70`: connectivity through the nRF70 Wi-Fi companion.
    public var usesWiFi: Bool
    /// `CONFIG_NET_SOCKETS_SOCKOPT_TLS`: TLS in the application (mbed TLS) rather than in the modem.
    public var nativeTLS: Bool

    init(_ reader: SymbolReader) {
        self.target = reader.string("BOARD_TARGET")
        self.soc = reader.string("SOC")
        self.usesModem = reader.bool("NRF_MODEM_LIB")
        self.usesWiFi = reader.bool("WIFI_NRF70")
        self.nativeTLS = reader.bool("NET_SOCKETS_SOCKOPT_TLS")
    }
}

/// `CONFIG_AZURE_IOT_HUB_*`.
public struct HubConfiguration: Sendable, Equatable {
    public var enabled: Bool
    /// Nil when empty: then it must be given at run time.
    public var deviceID: String?
    /// Nil when empty: then it must be given at run time or assigned by DPS.
    public var hostname: String?
    public var autoDeviceTwinRequest: Bool
    public var userNameBufferSize: Int
    public var topicMaxLength: Int
    public var messagePropertyReceiveMaxCount: Int
    public var messagePropertyBufferSize: Int

    init(_ reader: SymbolReader) {
        self.enabled = reader.bool("AZURE_IOT_HUB")
        self.deviceID = reader.nonEmpty("AZURE_IOT_HUB_DEVICE_ID")
        self.hostname = reader.nonEmpty("AZURE_IOT_HUB_HOSTNAME")
        self.autoDeviceTwinRequest = reader.bool("AZURE_IOT_HUB_AUTO_DEVICE_TWIN_REQUEST")
        self.userNameBufferSize = reader.int("AZURE_IOT_HUB_USER_NAME_BUF_SIZE")
        self.topicMaxLength = reader.int("AZURE_IOT_HUB_TOPIC_MAX_LEN")
        self.messagePropertyReceiveMaxCount = reader.int("AZURE_IOT_HUB_MSG_PROPERTY_RECV_MAX_COUNT")
        self.messagePropertyBufferSize = reader.int("AZURE_IOT_HUB_MSG_PROPERTY_BUFFER_SIZE")
    }
}

/// `CONFIG_AZURE_IOT_HUB_DPS_*`.
public struct DPSConfiguration: Sendable, Equatable {
    public var idScope: String
    public var registrationID: String?
    public var hostname: String
    public var timeoutSeconds: Int
    public var hostnameMaxLength: Int
    public var deviceIDMaxLength: Int
    public var topicBufferSize: Int
    public var userNameBufferSize: Int
    public var operationIDBufferSize: Int

    init(_ reader: SymbolReader) {
        self.idScope = reader.string("AZURE_IOT_HUB_DPS_ID_SCOPE")
        self.registrationID = reader.nonEmpty("AZURE_IOT_HUB_DPS_REG_ID")
        self.hostname = reader.string("AZURE_IOT_HUB_DPS_HOSTNAME")
        self.timeoutSeconds = reader.int("AZURE_IOT_HUB_DPS_TIMEOUT_SEC")
        self.hostnameMaxLength = reader.int("AZURE_IOT_HUB_DPS_HOSTNAME_MAX_LEN")
        self.deviceIDMaxLength = reader.int("AZURE_IOT_HUB_DPS_DEVICE_ID_MAX_LEN")
        self.topicBufferSize = reader.int("AZURE_IOT_HUB_DPS_TOPIC_BUFFER_SIZE")
        self.userNameBufferSize = reader.int("AZURE_IOT_HUB_DPS_USER_NAME_BUFFER_SIZE")
        self.operationIDBufferSize = reader.int("AZURE_IOT_HUB_DPS_OPERATION_ID_BUFFER_SIZE")
    }
}

/// `CONFIG_MQTT_HELPER_*`.
public struct MQTTHelperConfiguration: Sendable, Equatable {
    public var enabled: Bool
    public var nativeTLS: Bool
    public var port: Int
    /// Nil for -1.
    public var secTag: Int?
    /// Nil for -1 (unused).
    public var secondarySecTag: Int?
    /// Nil when the send timeout is disabled.
    public var sendTimeoutSeconds: Int?
    public var staticIPAddress: String?
    public var stackSize: Int
    public var rxTxBufferSize: Int
    public var payloadBufferLength: Int
    /// The certificates folder when `CONFIG_MQTT_HELPER_PROVISION_CERTIFICATES` is on.
    public var certificatesFolder: String?
    public var lastWill: (topic: String, message: String)? {
        self.lastWillTopic.map { ($0, self.lastWillMessage ?? "") }
    }
    var lastWillTopic: String?
    var lastWillMessage: String?

    init(_ reader: SymbolReader) {
        self.enabled = reader.bool("MQTT_HELPER")
        self.nativeTLS = reader.bool("MQTT_HELPER_NATIVE_TLS")
        self.port = reader.int("MQTT_HELPER_PORT")
        self.secTag = reader.secTag("MQTT_HELPER_SEC_TAG")
        self.secondarySecTag = reader.secTag("MQTT_HELPER_SECONDARY_SEC_TAG")
        self.sendTimeoutSeconds = reader.bool("MQTT_HELPER_SEND_TIMEOUT") ? reader.int("MQTT_HELPER_SEND_TIMEOUT_SEC") : nil
        self.staticIPAddress = reader.nonEmpty("MQTT_HELPER_STATIC_IP_ADDRESS")
        self.stackSize = reader.int("MQTT_HELPER_STACK_SIZE")
        self.rxTxBufferSize = reader.int("MQTT_HELPER_RX_TX_BUFFER_SIZE")
        self.payloadBufferLength = reader.int("MQTT_HELPER_PAYLOAD_BUFFER_LEN")
        self.certificatesFolder = reader.bool("MQTT_HELPER_PROVISION_CERTIFICATES") ? reader.string("MQTT_HELPER_CERTIFICATES_FOLDER") : nil
        let lastWill = reader.bool("MQTT_HELPER_LAST_WILL")
        self.lastWillTopic = lastWill ? reader.string("MQTT_HELPER_LAST_WILL_TOPIC") : nil
        self.lastWillMessage = lastWill ? reader.string("MQTT_HELPER_LAST_WILL_MESSAGE") : nil
    }
}

/// Zephyr's MQTT library options the helper passes on.
public struct MQTTConfiguration: Sendable, Equatable {
    public enum Version: String, Sendable { case v3_1_0 = "3.1.0", v3_1_1 = "3.1.1" }
    public var keepaliveSeconds: Int
    /// `CONFIG_MQTT_CLEAN_SESSION` (no default: false).
    public var cleanSession: Bool
    public var version: Version
    public var tls: Bool

    init(_ reader: SymbolReader) {
        self.keepaliveSeconds = reader.int("MQTT_KEEPALIVE", default: 60)
        self.cleanSession = reader.bool("MQTT_CLEAN_SESSION")
        self.version = reader.bool("MQTT_VERSION_3_1_0") ? .v3_1_0 : .v3_1_1
        self.tls = reader.bool("MQTT_LIB_TLS")
    }
}

/// `CONFIG_AZURE_FOTA_*` and the download client limits it uses.
public struct FOTAConfiguration: Sendable, Equatable {
    public var versionMaxLength: Int
    public var jobIDMaxLength: Int
    /// `CONFIG_AZURE_FOTA_APP_VERSION` (default `0.0.0-dev`): the reported current version unless
    /// `appVersionAuto`.
    public var appVersion: String
    /// `CONFIG_AZURE_FOTA_APP_VERSION_AUTO`: the version is the SDK's `git describe` instead.
    public var appVersionAuto: Bool
    /// Nil for -1: downloads over plain HTTP.
    public var secTag: Int?
    public var downloadHostnameMaxSize: Int
    public var downloadFilenameMaxSize: Int
    /// `CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE`: the fragment when `fwFragmentSize` is 0 (http.c:70-75).
    public var httpFragmentSize: Int
    /// `CONFIG_DOWNLOAD_CLIENT_BUF_SIZE`: no fragment may be larger (download_client.c:940-943).
    public var downloadBufferSize: Int

    init(_ reader: SymbolReader) {
        self.versionMaxLength = reader.int("AZURE_FOTA_VERSION_MAX_LEN")
        self.jobIDMaxLength = reader.int("AZURE_FOTA_JOB_ID_MAX_LEN")
        self.appVersion = reader.string("AZURE_FOTA_APP_VERSION")
        self.appVersionAuto = reader.bool("AZURE_FOTA_APP_VERSION_AUTO")
        self.secTag = reader.secTag("AZURE_FOTA_SEC_TAG")
        self.downloadHostnameMaxSize = reader.int("DOWNLOAD_CLIENT_MAX_HOSTNAME_SIZE")
        self.downloadFilenameMaxSize = reader.int("DOWNLOAD_CLIENT_MAX_FILENAME_SIZE")
        self.httpFragmentSize = reader.int("DOWNLOAD_CLIENT_HTTP_FRAG_SIZE")
        self.downloadBufferSize = reader.int("DOWNLOAD_CLIENT_BUF_SIZE")
    }
}

/// `CONFIG_HW_ID_LIBRARY_*`: where `hw_id_get()` takes the ID from.
public struct HWIDConfiguration: Sendable, Equatable {
    public enum Source: String, Sendable { case imei, uuid, networkMAC, deviceID }
    /// Nil when the library is off.
    public var source: Source?

    init(_ reader: SymbolReader) {
        guard reader.bool("HW_ID_LIBRARY") else {
            self.source = nil
            return
        }
        if reader.bool("HW_ID_LIBRARY_SOURCE_IMEI") {
            self.source = .imei
        } else if reader.bool("HW_ID_LIBRARY_SOURCE_UUID") {
            self.source = .uuid
        } else if reader.bool("HW_ID_LIBRARY_SOURCE_NET_MAC") {
            self.source = .networkMAC
        } else if reader.bool("HW_ID_LIBRARY_SOURCE_DEVICE_ID") {
            self.source = .deviceID
        } else {
            self.source = nil
        }
    }
}

/// `CONFIG_SETTINGS*`: where the DPS assignment is kept.
public struct SettingsConfiguration: Sendable, Equatable {
    public enum Backend: String, Sendable { case fcb, nvs, none }
    /// Nil when the settings subsystem is off.
    public var backend: Backend?

    init(_ reader: SymbolReader) {
        guard reader.bool("SETTINGS") else {
            self.backend = nil
            return
        }
        self.backend = reader.bool("SETTINGS_NVS") ? .nvs : reader.bool("SETTINGS_FCB") ? .fcb : Backend.none
    }
}

/// Zephyr logging: the mode and each module's compiled-in level.
public struct LoggingConfiguration: Sendable, Equatable {
    public enum Level: Int, Sendable, Comparable {
        case off = 0, error, warning, info, debug
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }
    public enum Mode: String, Sendable { case deferred, immediate, minimal }
    /// What `CONFIG_LOG_THREAD_ID_PREFIX` prefixes a message with (Zephyr's log_output.c, `ids_print()`): the
    /// thread's name with `CONFIG_THREAD_NAME`, its address without.
    public enum ThreadPrefix: Sendable, Equatable { case name, address }

    public var enabled: Bool
    /// Nil unless `CONFIG_LOG_THREAD_ID_PREFIX`.
    public var threadPrefix: ThreadPrefix?
    public var mode: Mode
    public var defaultLevel: Level
    /// Levels by log module name (`azure_iot_hub`, `azure_iot_hub_dps`, `mqtt_helper`, `azure_fota`,
    /// `azure_iot_hub_sample`); `.off` for a module whose library is not built.
    public var levels: [String: Level]

    /// The module's level; a module without its own option logs at `CONFIG_LOG_DEFAULT_LEVEL`.
    public func level(of module: String) -> Level { self.levels[module] ?? (self.enabled ? self.defaultLevel : .off) }

    init(_ reader: SymbolReader) {
        self.enabled = reader.bool("LOG")
        self.mode = reader.bool("LOG_MODE_IMMEDIATE") ? .immediate : reader.bool("LOG_MODE_MINIMAL") ? .minimal : .deferred
        self.threadPrefix = reader.bool("LOG_THREAD_ID_PREFIX") ? (reader.bool("THREAD_NAME") ? .name : .address) : nil
        self.defaultLevel = Level(rawValue: reader.int("LOG_DEFAULT_LEVEL")) ?? .off
        let modules = [
            ("azure_iot_hub", "AZURE_IOT_HUB_LOG_LEVEL"), ("azure_iot_hub_dps", "AZURE_IOT_HUB_LOG_LEVEL"),
            ("mqtt_helper", "MQTT_HELPER_LOG_LEVEL"), ("azure_fota", "AZURE_FOTA_LOG_LEVEL"),
            ("azure_iot_hub_sample", "AZURE_IOT_HUB_SAMPLE_LOG_LEVEL"), ("lte_lc", "LTE_LINK_CONTROL_LOG_LEVEL"),
        ]
        var levels: [String: Level] = [:]
        for (module, symbol) in modules {
            levels[module] = self.enabled ? Level(rawValue: reader.int(symbol)) ?? .off : .off
        }
        self.levels = levels
    }
}

/// The sample's own options.
public struct SampleConfiguration: Sendable, Equatable {
    /// `CONFIG_AZURE_IOT_HUB_SAMPLE_DEVICE_ID_USE_HW_ID`.
    public var deviceIDFromHWID: Bool
    /// Seconds between telemetry events (`CONFIG_SIM_EVENT_INTERVAL_SEC`; the sample's EVENT_INTERVAL is 20).
    public var eventIntervalSeconds: Int
    /// `CONFIG_SIM_SAMPLE_LOG_C2D_PROPERTIES`: a `Property: key = value` line for each C2D message property.
    public var logC2DProperties: Bool
    /// `CONFIG_SIM_AZURE_IOT_HUB_RECONNECT` and its delays, or nil: the sample does not reconnect (upstream).
    public var reconnect: ReconnectConfiguration?

    init(_ reader: SymbolReader) {
        self.deviceIDFromHWID = reader.bool("AZURE_IOT_HUB_SAMPLE_DEVICE_ID_USE_HW_ID")
        self.eventIntervalSeconds = reader.int("SIM_EVENT_INTERVAL_SEC", default: 20)
        self.logC2DProperties = reader.bool("SIM_SAMPLE_LOG_C2D_PROPERTIES")
        self.reconnect = reader.bool("SIM_AZURE_IOT_HUB_RECONNECT") ? ReconnectConfiguration(
            initialSeconds: reader.int("SIM_AZURE_IOT_HUB_RECONNECT_DELAY_SEC", default: 5),
            maximumSeconds: reader.int("SIM_AZURE_IOT_HUB_RECONNECT_MAX_DELAY_SEC", default: 300),
            jitterPercent: reader.int("SIM_AZURE_IOT_HUB_RECONNECT_JITTER_PERCENT", default: 25)) : nil
    }
}

/// The delays of `CONFIG_SIM_AZURE_IOT_HUB_RECONNECT`.
public struct ReconnectConfiguration: Sendable, Equatable {
    public var initialSeconds: Int
    public var maximumSeconds: Int
    public var jitterPercent: Int

    public init(initialSeconds: Int, maximumSeconds: Int, jitterPercent: Int) {
        self.initialSeconds = initialSeconds
        self.maximumSeconds = maximumSeconds
        self.jitterPercent = jitterPercent
    }
}

/// `CONFIG_SIM_*`: options of the simulator itself.
public struct SimulatorConfiguration: Sendable, Equatable {
    /// Connect to nrfsim's local IoT Hub and DPS emulator.
    public var localCloud: Bool
    /// `CONFIG_SIM_LOCAL_ADDRESS`: where the resolver sends hub, DPS and storage hostnames; 127.0.0.1 when it is
    /// empty (its value while `CONFIG_SIM_LOCAL_CLOUD` is n and `--hub local` overrides that) or undefined.
    public var localAddress: String
    public var localHubPort: Int
    public var localDPSPort: Int
    public var localHTTPSPort: Int
    /// `CONFIG_SIM_LOCAL_HTTP_PORT`: where plain-HTTP storage downloads go.
    public var localHTTPPort: Int
    /// `CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE`; nil when empty.
    public var imageSigningKeyFile: String?
    public var slotSize: Int
    public var factoryImageVersion: String
    /// `CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE`: Azure FOTA reports the booted image's header version.
    public var fotaVersionFromImage: Bool
    /// `CONFIG_SIM_NET` and its options: the simulated network between the device and the cloud.
    public var network: SimulatedNetworkConfiguration
    public var ledger: SimulatedLedgerConfiguration

    init(_ reader: SymbolReader) {
        self.localCloud = reader.bool("SIM_LOCAL_CLOUD")
        self.localAddress = reader.nonEmpty("SIM_LOCAL_ADDRESS") ?? "127.0.0.1"
        self.localHubPort = reader.int("SIM_LOCAL_HUB_PORT", default: 8883)
        self.localDPSPort = reader.int("SIM_LOCAL_DPS_PORT", default: 8883)
        self.localHTTPSPort = reader.int("SIM_LOCAL_HTTPS_PORT", default: 8443)
        self.localHTTPPort = reader.int("SIM_LOCAL_HTTP_PORT", default: 8080)
        self.imageSigningKeyFile = reader.nonEmpty("SIM_MCUBOOT_SIGNATURE_KEY_FILE")
        self.slotSize = reader.int("SIM_MCUBOOT_SLOT_SIZE", default: 0x180000)
        self.factoryImageVersion = reader.nonEmpty("SIM_FACTORY_IMAGE_VERSION") ?? "1.0.0"
        self.fotaVersionFromImage = reader.bool("SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE")
        self.network = SimulatedNetworkConfiguration(reader)
        self.ledger = SimulatedLedgerConfiguration(reader)
    }
}

/// `CONFIG_SIM_NET_*` (kconfig/sim/Kconfig.network).
public struct SimulatedNetworkConfiguration: Sendable, Equatable {
    public var enabled: Bool
    public var latencyMilliseconds: Int
    public var jitterMilliseconds: Int
    /// Empty: no rate limit.
    public var bandwidth: String
    public var lossPermille: Int
    /// 0: never.
    public var natTimeoutSeconds: Int
    /// nil when empty.
    public var scenario: String?

    init(_ reader: SymbolReader) {
        self.enabled = reader.bool("SIM_NET")
        self.latencyMilliseconds = reader.int("SIM_NET_LATENCY_MS")
        self.jitterMilliseconds = reader.int("SIM_NET_JITTER_MS")
        self.bandwidth = reader.string("SIM_NET_BANDWIDTH")
        self.lossPermille = reader.int("SIM_NET_LOSS_PERMILLE")
        self.natTimeoutSeconds = reader.int("SIM_NET_NAT_TIMEOUT_S")
        self.scenario = reader.nonEmpty("SIM_NET_SCENARIO")
    }
}

/// `CONFIG_SIM_LEDGER_*` (kconfig/sim/Kconfig.ledger).
public struct SimulatedLedgerConfiguration: Sendable, Equatable {
    public var enabled: Bool
    /// nil when empty.
    public var file: String?
    public var mtu: Int
    public var supplyMillivolts: Int
    public var connectedNanoamps: Int
    public var idleNanoamps: Int
    public var edrxIdleNanoamps: Int
    public var psmNanoamps: Int
    public var periodicTAUMicrojoules: Int

    init(_ reader: SymbolReader) {
        self.enabled = reader.bool("SIM_LEDGER")
        self.file = reader.nonEmpty("SIM_LEDGER_FILE")
        self.mtu = reader.int("SIM_LEDGER_MTU", default: 1280)
        self.supplyMillivolts = reader.int("SIM_LEDGER_SUPPLY_MV", default: 3700)
        self.connectedNanoamps = reader.int("SIM_LEDGER_CURRENT_CONNECTED_NA", default: 50_000_000)
        self.idleNanoamps = reader.int("SIM_LEDGER_CURRENT_IDLE_NA", default: 600_000)
        self.edrxIdleNanoamps = reader.int("SIM_LEDGER_CURRENT_EDRX_NA", default: 18_000)
        self.psmNanoamps = reader.int("SIM_LEDGER_CURRENT_PSM_NA", default: 2_700)
        self.periodicTAUMicrojoules = reader.int("SIM_LEDGER_TAU_ENERGY_UJ", default: 105_000)
    }
}

/// `CONFIG_LTE_LINK_CONTROL` and its PSM and eDRX modules (nrf/lib/lte_link_control/Kconfig, sdk-nrf v2.9.0).
public struct LTELinkControlConfiguration: Sendable, Equatable {
    /// How the PSM request's timers are given (`CONFIG_LTE_PSM_REQ_FORMAT_*`).
    public enum PSMFormat: Sendable, Equatable {
        /// `CONFIG_LTE_PSM_REQ_RPTAU` / `_RAT`: 8-bit strings.
        case string(periodicTAU: String, activeTime: String)
        /// `CONFIG_LTE_PSM_REQ_RPTAU_SECONDS` / `_RAT_SECONDS`.
        case seconds(periodicTAU: Int, activeTime: Int)
    }

    public var enabled: Bool
    /// `CONFIG_LTE_LC_PSM_MODULE`.
    public var psmModule: Bool
    /// `CONFIG_LTE_PSM_REQ`.
    public var psmRequest: Bool
    public var psmParameters: PSMFormat
    /// `CONFIG_LTE_PROPRIETARY_PSM_REQ`.
    public var proprietaryPSMRequest: Bool
    /// `CONFIG_LTE_LC_EDRX_MODULE`.
    public var edrxModule: Bool
    /// `CONFIG_LTE_EDRX_REQ`.
    public var edrxRequest: Bool
    /// `CONFIG_LTE_EDRX_REQ_VALUE_LTE_M` / `_NBIOT`.
    public var edrxValueLTEM: String
    public var edrxValueNBIoT: String
    /// `CONFIG_LTE_PTW_VALUE_LTE_M` / `_NBIOT`; empty for the modem's default.
    public var pagingTimeWindowLTEM: String
    public var pagingTimeWindowNBIoT: String
    /// `CONFIG_LTE_PLMN_SELECTION_OPTIMIZATION`.
    public var plmnSelectionOptimization: Bool

    init(_ reader: SymbolReader) {
        self.enabled = reader.bool("LTE_LINK_CONTROL")
        self.psmModule = reader.bool("LTE_LC_PSM_MODULE")
        self.psmRequest = reader.bool("LTE_PSM_REQ")
        self.psmParameters =
            reader.bool("LTE_PSM_REQ_FORMAT_SECONDS")
            ? .seconds(periodicTAU: reader.int("LTE_PSM_REQ_RPTAU_SECONDS"), activeTime: reader.int("LTE_PSM_REQ_RAT_SECONDS"))
            : .string(periodicTAU: reader.string("LTE_PSM_REQ_RPTAU"), activeTime: reader.string("LTE_PSM_REQ_RAT"))
        self.proprietaryPSMRequest = reader.bool("LTE_PROPRIETARY_PSM_REQ")
        self.edrxModule = reader.bool("LTE_LC_EDRX_MODULE")
        self.edrxRequest = reader.bool("LTE_EDRX_REQ")
        self.edrxValueLTEM = reader.string("LTE_EDRX_REQ_VALUE_LTE_M")
        self.edrxValueNBIoT = reader.string("LTE_EDRX_REQ_VALUE_NBIOT")
        self.pagingTimeWindowLTEM = reader.string("LTE_PTW_VALUE_LTE_M")
        self.pagingTimeWindowNBIoT = reader.string("LTE_PTW_VALUE_NBIOT")
        self.plmnSelectionOptimization = reader.bool("LTE_PLMN_SELECTION_OPTIMIZATION")
    }
}
