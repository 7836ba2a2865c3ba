import Testing
@testable import FirmwareConfig
@testable import Kconfig

/// The typed configuration the firmware reads, from the project's prj.conf, board fragments and overlays.
@Suite("Typed firmware configuration")
struct FirmwareConfigurationTests {
    func configuration(_ board: String, extra: [String] = [], assignments: [String] = []) throws -> FirmwareConfiguration {
        let build = try ConfigurationBuild(
            appDirectory: repositoryRoot, board: board, extraFragments: extra.map { repositoryRoot + "/" + $0 },
            assignments: assignments)
        return try #require(build.configuration, "\(build.outcome.diagnostics)")
    }

    @Test("prj.conf on the nRF9161 DK: the sample's hub, MQTT helper and FOTA settings")
    func nrf9161() throws {
        let config = try self.configuration("nrf9161dk/nrf9161/ns")
        #expect(config.board.soc == "nrf9161")
        #expect(config.board.usesModem && !config.board.usesWiFi && !config.board.nativeTLS)
        #expect(config.hub.enabled && config.hub.deviceID == "my-device" && config.hub.hostname == nil)
        #expect(config.hub.autoDeviceTwinRequest && config.hub.userNameBufferSize == 160)
        #expect(config.mqttHelper.secTag == 10 && config.mqttHelper.secondarySecTag == 11)
        #expect(config.mqttHelper.stackSize == 8192 && config.mqttHelper.port == 8883)
        #expect(config.mqttHelper.payloadBufferLength == 2048 && config.mqttHelper.certificatesFolder == nil)
        #expect(config.mqtt.keepaliveSeconds == 1767 && !config.mqtt.cleanSession && config.mqtt.version == .v3_1_1)
        #expect(config.dps == nil)
        #expect(config.fota?.appVersion == "0.0.0-dev" && config.fota?.secTag == nil && config.fota?.jobIDMaxLength == 40)
        #expect(config.settings.backend == .fcb)
        #expect(config.hwID.source == nil)
        #expect(config.logging.enabled && config.logging.mode == .deferred)
        #expect(config.logging.level(of: "azure_iot_hub") == .info && config.logging.level(of: "azure_iot_hub_dps") == .info)
        #expect(config.sample.eventIntervalSeconds == 20 && !config.sample.deviceIDFromHWID)
        #expect(config.simulator.localCloud && config.simulator.localHubPort == 8883)
        #expect(config.simulator.localAddress == "127.0.0.1")
    }

    @Test("dps.conf enables DPS and moves settings to NVS")
    func dps() throws {
        let config = try self.configuration("nrf9151dk/nrf9151/ns", extra: ["dps.conf"])
        let dps = try #require(config.dps)
        #expect(dps.idScope == "" && dps.registrationID == nil)
        #expect(dps.hostname == "global.azure-devices-provisioning.net" && dps.timeoutSeconds == 90)
        #expect(config.settings.backend == .nvs)
    }

    @Test("the nRF7002 DK: Wi-Fi, native TLS with the certs folder, HW ID from the MAC address, FOTA over HTTPS")
    func nrf7002() throws {
        let config = try self.configuration("nrf7002dk/nrf5340/cpuapp/ns")
        #expect(!config.board.usesModem && config.board.usesWiFi && config.board.nativeTLS)
        #expect(config.mqttHelper.certificatesFolder == "certs" && config.mqttHelper.payloadBufferLength == 4096)
        #expect(config.hwID.source == .networkMAC)
        #expect(config.fota?.secTag == 11 && config.fota?.httpFragmentSize == 4096)
    }

    @Test("a board without the sample's overlay gets no FOTA; -D assignments apply last")
    func thingyAndDefines() throws {
        let config = try self.configuration(
            "thingy91/nrf9160/ns",
            assignments: ["CONFIG_AZURE_IOT_HUB_SAMPLE_LOG_LEVEL_DBG=y", "CONFIG_MQTT_CLEAN_SESSION=y", "CONFIG_SIM_EVENT_INTERVAL_SEC=2"])
        #expect(config.fota == nil)
        #expect(config.logging.level(of: "azure_iot_hub_sample") == .debug)
        #expect(config.mqtt.cleanSession && config.sample.eventIntervalSeconds == 2)
    }

    @Test("a symbol the user adds stays reachable through the generic typed lookup")
    func userSymbol() throws {
        let tree = try ScratchTree([
            "Kconfig": "config MY_COUNT\n\tint \"count\"\n\tdefault 7\nconfig MY_NAME\n\tstring \"name\"\nconfig MY_FLAG\n\tbool \"flag\"\nconfig MY_MASK\n\thex \"mask\"\n\tdefault 0x1f\n",
            "prj.conf": "CONFIG_MY_NAME=\"ada\"\nCONFIG_MY_FLAG=y\n",
        ])
        let outcome = tree.build()
        let config = FirmwareConfiguration(symbols: try #require(outcome.kconfig).symbolValues())
        #expect(config.value("MY_COUNT", as: Int.self) == 7)
        #expect(config.value("MY_MASK", as: Int.self) == 31)
        #expect(config.value("MY_NAME", as: String.self) == "ada")
        #expect(config.value("MY_FLAG", as: Bool.self) == true)
        #expect(config.value("MY_FLAG", as: Int.self) == nil)
        #expect(config.value("NOT_THERE", as: Bool.self) == nil)
        #expect(!config.hub.enabled)
    }
}
