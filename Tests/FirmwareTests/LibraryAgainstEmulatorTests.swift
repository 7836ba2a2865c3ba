import JSON
import Synchronization
import Crypto
import FirmwareConfig
import Foundation
import HubEmulator
import Logging
import SwiftASN1
import Testing
import X509

@testable import Firmware

/// The library's API against the emulator in this process, over real MQTT/TLS through libmosquitto and OpenSSL:
/// return codes, events and their order, including `disconnect()` and a second `connect()`.
@Suite("Azure IoT Hub library against the emulator", .serialized)
struct LibraryAgainstEmulatorTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The firmware configuration of the repository's own application for an nRF7002 DK (native TLS).
    static func configuration(_ assignments: [String]) throws -> FirmwareConfiguration {
        let build = try ConfigurationBuild(
            appDirectory: Self.repository, board: "nrf7002dk/nrf5340/cpuapp/ns", assignments: assignments)
        return try #require(build.configuration)
    }

    @Test func connectSendDisconnectAndReconnect() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = HubServer.Options(dataDirectory: directory)
        options.mqttPort = 0
        options.httpsPort = 0
        let server = try await HubServer.start(options, logger: Logger(label: "test.hub"))
        let result = Result { try Self.exercise(server: server) }
        await server.close()
        try result.get()
    }

    /// Creates `myhub` with the self-signed X.509 device `dev1`; returns TLS credentials for tag 10.
    static func provisionDevice(on server: HubServer) throws -> TLSCredentials {
        _ = try server.core.createHub(name: "myhub")
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("dev1") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(), issuerPrivateKey: .init(key))
        var der = DER.Serializer()
        try der.serialize(certificate)
        let thumbprint = Insecure.SHA1.hash(data: der.serializedBytes).map { String(format: "%02X", $0) }.joined()
        _ = try server.core.putDevice(
            hub: "myhub", id: "dev1",
            body: try JSONValue.parse(#"{"deviceId":"dev1","authentication":{"type":"selfSigned","x509Thumbprint":{"primaryThumbprint":"\#(thumbprint)"}}}"#),
            ifMatch: nil)
        let credentials = TLSCredentials()
        credentials.add(tag: 10, kind: .caCertificate, pem: server.pki.rootPEM)
        credentials.add(tag: 10, kind: .serverCertificate, pem: try certificate.serializeAsPEM().pemString)
        credentials.add(tag: 10, kind: .privateKey, pem: key.pemRepresentation)
        return credentials
    }

    /// An MQTT helper for `configuration` that reaches `server` on loopback.
    static func helper(
        _ configuration: FirmwareConfiguration, credentials: TLSCredentials, server: HubServer, staticIPAddress: String? = nil
    ) -> MQTTHelper {
        let helperConfiguration = configuration.mqttHelper
        return MQTTHelper(
            settings: MQTTHelperSettings(
                port: helperConfiguration.port, secTag: 10, secondarySecTag: nil,
                keepAliveSeconds: configuration.mqtt.keepaliveSeconds, cleanSession: false,
                payloadBufferLength: helperConfiguration.payloadBufferLength, sendTimeoutSeconds: 10,
                staticIPAddress: staticIPAddress, lastWill: nil, certificatesFolder: nil),
            tls: .native(credentials),
            resolver: .local(address: "127.0.0.1", hubPort: server.mqttPort, dpsPort: server.mqttPort),
            logger: { var l = Logger(label: "mqtt_helper"); l.logLevel = .debug; return l }())
    }

    static func exercise(server: HubServer) throws {
        let credentials = try Self.provisionDevice(on: server)
        let configuration = try Self.configuration([
            #"CONFIG_AZURE_IOT_HUB_HOSTNAME="myhub.azure-devices.net""#, #"CONFIG_AZURE_IOT_HUB_DEVICE_ID="dev1""#,
            "CONFIG_AZURE_IOT_HUB_TOPIC_MAX_LEN=300",  // room for a full property bag in the telemetry topic
        ])
        let helper = Self.helper(configuration, credentials: credentials, server: server)
        let hub = AzureIoTHub(
            hub: configuration.hub, fixes: SimulatorFixes(), helper: helper, dps: nil, uptime: ManualUptime(microseconds: 21_783_000),
            logger: Logger(label: "azure_iot_hub"))
        let recorder = EventRecorder()

        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .event), payload: [])) == -Errno.ENOTCONN)
        #expect(hub.connect(nil) == -Errno.ENOENT)  // not initialised
        #expect(hub.initialize(nil) == -Errno.EINVAL)
        #expect(hub.initialize(recorder.handler) == 0)
        #expect(hub.disconnect() == -Errno.ENOTCONN)

        // connect() returns once CONNECT is sent; CONNECTING was raised in this thread before it returned.
        #expect(hub.connect(nil) == 0)
        #expect(recorder.types.first == .connecting)
        #expect(recorder.wait(for: .connected) != nil)
        #expect(recorder.wait(for: .ready) != nil)
        let twin = try #require(recorder.wait(for: .twinReceived))
        #expect(String(decoding: twin.payload, as: UTF8.self).contains("\"desired\""))
        #expect(recorder.types.prefix(4) == [.connecting, .connected, .ready, .twinReceived])
        #expect(hub.connect(nil) == -Errno.EALREADY)
        #expect(hub.initialize(recorder.handler) == -Errno.EALREADY)

        // QoS 1 telemetry with properties: PUBACK with our message id.
        let mark = recorder.count
        let event = AzureIoTHubMsg(
            topic: .init(type: .event, properties: [.init(key: "alert", value: "1")]), payload: Array("{}".utf8), qos: 1,
            messageID: 4242)
        #expect(hub.send(event) == 0)
        let puback = try #require(recorder.wait(for: .puback, after: mark))
        #expect(puback.data == .messageID(4242))

        // Reported properties with our request id: 204 → TWIN_RESULT_SUCCESS with that id.
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .twinReported), payload: Array(#"{"a":1}"#.utf8), requestID: "77")) == 0)
        let success = try #require(recorder.wait(for: .twinResultSuccess, after: mark))
        guard case .result(let reported) = success.data else { Issue.record("no result"); return }
        #expect(reported.requestID == "77" && reported.status == 204)

        // A twin GET with a generated id: uptime 21783 ms, cut to 3 characters as the real library does (Q1).
        #expect(hub.generatedRequestID() == "217")

        // Argument errors.
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .directMethod), payload: [])) == -Errno.ENOMSG)
        let longProperties = (1...6).map { AzureIoTHubProperty(key: "property_key_\($0)", value: "property_value_\($0)_long") }
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .event, properties: longProperties), payload: [])) == -Errno.EMSGSIZE)
        #expect(hub.methodRespond(AzureIoTHubResult(requestID: String(repeating: "9", count: 80), status: 200, payload: [])) == -Errno.EFAULT)
        // az_iot_message_properties_append() fits a bag of exactly CONFIG_AZURE_IOT_HUB_MSG_PROPERTY_BUFFER_SIZE
        // (128) bytes, no NUL; one more byte is -EMSGSIZE (azure_iot_hub.c:961-967).
        func bag(_ length: Int) -> AzureIoTHubMsg {
            AzureIoTHubMsg(
                topic: .init(type: .event, properties: [.init(key: "k", value: String(repeating: "v", count: length - 2))]),
                payload: Array("{}".utf8))
        }
        #expect(hub.send(bag(128)) == 0)
        #expect(hub.send(bag(129)) == -Errno.EMSGSIZE)
        // A twin topic longer than CONFIG_AZURE_IOT_HUB_TOPIC_MAX_LEN: -EFAULT (azure_iot_hub.c:1015-1018, :1046-1049).
        let longID = String(repeating: "7", count: 300)
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .twinReported), payload: Array("{}".utf8), requestID: longID)) == -Errno.EFAULT)
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .twinRequest), payload: [], requestID: longID)) == -Errno.EFAULT)

        // disconnect(): DISCONNECTED is raised before it returns.
        let beforeDisconnect = recorder.count
        #expect(hub.disconnect() == 0)
        #expect(recorder.types.dropFirst(beforeDisconnect).contains(.disconnected))
        #expect(hub.state == .disconnected)
        #expect(hub.disconnect() == -Errno.ENOTCONN)
        #expect(hub.send(event) == -Errno.ENOTCONN)

        // Reconnect through the API.
        let beforeReconnect = recorder.count
        #expect(hub.connect(nil) == 0)
        #expect(recorder.wait(for: .ready, after: beforeReconnect) != nil)
        #expect(hub.disconnect() == 0)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(recorder.types.filter { $0 == .disconnected }.count == 2)

        // Without DPS compiled in, `use_dps` is ignored: the Kconfig hostname and device id are used.
        let beforeUseDPS = recorder.count
        #expect(hub.connect(AzureIoTHubConfig(useDPS: true)) == 0)
        #expect(recorder.wait(for: .ready, after: beforeUseDPS) != nil)
        #expect(hub.disconnect() == 0)
    }

    /// With DPS compiled in, azure_iot_hub_connect() never falls back to the Kconfig hostname and device id, and the
    /// DPS assignment, not a static IP address, is the hub in the user name (the helper dials the address).
    @Test func connectWithDPSCompiledIn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = HubServer.Options(dataDirectory: directory + "/hub")
        options.mqttPort = 0
        options.httpsPort = 0
        let server = try await HubServer.start(options, logger: Logger(label: "test.hub"))
        let result = Result { try Self.exerciseWithDPS(server: server, settingsDirectory: directory + "/settings") }
        await server.close()
        try result.get()
    }

    static func exerciseWithDPS(server: HubServer, settingsDirectory: String) throws {
        let credentials = try Self.provisionDevice(on: server)
        let configuration = try Self.configuration([
            "CONFIG_AZURE_IOT_HUB_DPS=y", #"CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="0ne00000001""#,
            #"CONFIG_AZURE_IOT_HUB_HOSTNAME="myhub.azure-devices.net""#, #"CONFIG_AZURE_IOT_HUB_DEVICE_ID="dev1""#,
        ])
        let settings = try SettingsStorage(directory: settingsDirectory)
        try settings.save("azure_iot_hub/hostname", "myhub.azure-devices.net")
        try settings.save("azure_iot_hub/device_id", "dev1")
        func library(staticIPAddress: String?) throws -> AzureIoTHub {
            let helper = Self.helper(configuration, credentials: credentials, server: server, staticIPAddress: staticIPAddress)
            let dps = AzureIoTHubDPS(
                configuration: try #require(configuration.dps), helper: helper, settings: settings,
                systemWorkQueue: WorkQueue(name: "sysworkq"), logger: Logger(label: "azure_iot_hub_dps"))
            return AzureIoTHub(
                hub: configuration.hub, fixes: SimulatorFixes(), helper: helper, dps: dps,
                uptime: ManualUptime(microseconds: 1_000_000), logger: Logger(label: "azure_iot_hub"))
        }

        // use_dps false and no hostname: no Kconfig fallback, so the CONNECT names no hub and is refused.
        let plain = try library(staticIPAddress: nil)
        let refused = EventRecorder()
        #expect(plain.initialize(refused.handler) == 0)
        if plain.connect(AzureIoTHubConfig(useDPS: false)) == 0 {
            #expect(refused.wait(for: .connectionFailed) != nil)
        }
        #expect(!refused.types.contains(.ready))

        // A static IP address and the stored assignment: the assigned hostname is in the user name, and READY.
        let viaAddress = try library(staticIPAddress: "127.0.0.1")
        let recorder = EventRecorder()
        #expect(viaAddress.initialize(recorder.handler) == 0)
        #expect(viaAddress.connect(AzureIoTHubConfig(deviceID: "dev1", useDPS: true)) == 0)
        #expect(recorder.wait(for: .ready) != nil)
        #expect(viaAddress.disconnect() == 0)
    }

    @Test func dpsResetForgetsTheStoredAssignment() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dps-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try Self.configuration([
            "CONFIG_AZURE_IOT_HUB_DPS=y", #"CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="0ne00000001""#,
        ])
        let settings = try SettingsStorage(directory: directory)
        try settings.save("azure_iot_hub/hostname", "myhub.azure-devices.net")
        try settings.save("azure_iot_hub/device_id", "dev1")
        let helper = MQTTHelper(
            settings: MQTTHelperSettings(
                port: 8883, secTag: 10, secondarySecTag: nil, keepAliveSeconds: 60, cleanSession: false,
                payloadBufferLength: 4096, sendTimeoutSeconds: 5, staticIPAddress: nil, lastWill: nil, certificatesFolder: nil),
            tls: .native(TLSCredentials()), resolver: .local(address: "127.0.0.1", hubPort: 1, dpsPort: 1),
            logger: Logger(label: "mqtt_helper"))
        let dps = AzureIoTHubDPS(
            configuration: try #require(configuration.dps), helper: helper, settings: settings,
            systemWorkQueue: WorkQueue(name: "sysworkq"), logger: Logger(label: "azure_iot_hub_dps"))
        let statuses = Mutex<[AzureIoTHubDPSRegStatus]>([])
        let config = AzureIoTHubDPSConfig(handler: { status in statuses.withLock { $0.append(status) } }, registrationID: "dev1")

        #expect(dps.reset() == -Errno.ENOENT)  // before init: settings not loaded
        #expect(dps.start() == -Errno.EACCES)
        #expect(dps.initialize(config) == 0)
        #expect(statuses.withLock { $0 } == [.notStarted])
        #expect(dps.start() == -Errno.EALREADY)  // stored hostname and device id
        #expect(dps.hostnameGet() == "myhub.azure-devices.net" && dps.deviceIDGet() == "dev1")

        #expect(dps.reset() == 0)
        #expect(dps.hostnameGet() == nil && dps.deviceIDGet() == nil)
        #expect(try SettingsStorage(directory: directory).load(subtree: "azure_iot_hub").isEmpty)
        #expect(dps.start() == -Errno.EACCES)  // reset leaves DPS uninitialised
        #expect(dps.initialize(config) == 0)
        // Now it really registers: with no CA in the tag, the TLS set-up fails before any socket.
        #expect(dps.start() == -Errno.ECONNABORTED)
        #expect(dps.initialize(AzureIoTHubDPSConfig(handler: nil)) == -Errno.EINVAL)
        #expect(dps.initialize(AzureIoTHubDPSConfig(handler: { _ in }, registrationID: "")) == -Errno.EFAULT)
    }
}
