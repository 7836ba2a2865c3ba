import FirmwareConfig
import Foundation
import Testing

@testable import Firmware

@Suite("Settings partition and HW ID")
struct PlatformTests {
    @Test func settingsPersistAcrossInstancesAndDeleteRemovesThem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SettingsStorage(directory: directory)
        try first.save("azure_iot_hub/hostname", "h.azure-devices.net")
        try first.save("other/key", "x")
        let second = try SettingsStorage(directory: directory)
        #expect(second.load(subtree: "azure_iot_hub") == ["hostname": "h.azure-devices.net"])
        try second.delete("azure_iot_hub/hostname")
        #expect(try SettingsStorage(directory: directory).load(subtree: "azure_iot_hub").isEmpty)
    }

    @Test func settingsAreWrittenPrivateAndAFailedWriteKeepsTheOldValues() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = try SettingsStorage(directory: directory)
        try settings.save("azure_iot_hub/hostname", "old.azure-devices.net")
        let path = directory + "/settings.json"
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // The temporary file cannot be made (a directory stands in its way, which stops root too).
        try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
        let error = #expect(throws: (any Error).self) { try settings.save("azure_iot_hub/hostname", "new.azure-devices.net") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("cannot write \(path)"))
        #expect(settings.load(subtree: "azure_iot_hub") == ["hostname": "old.azure-devices.net"])
        try FileManager.default.removeItem(atPath: path + ".tmp")
        #expect(try SettingsStorage(directory: directory).load(subtree: "azure_iot_hub") == ["hostname": "old.azure-devices.net"])
    }

    @Test func blobSASSignaturesAreNotLogged() {
        #expect(LoggedLocation.redacted("/fw/app_update.bin?sv=2021-08-06&se=2027-01-01&sp=r&sig=abc%2Bdef%3D")
            == "/fw/app_update.bin?sv=2021-08-06&se=2027-01-01&sp=r&sig=<redacted>")
        #expect(LoggedLocation.redacted("/fw/app_update.bin") == "/fw/app_update.bin")
        #expect(LoggedLocation.redacted("/a?SIG=x&b=1") == "/a?sig=<redacted>&b=1")
    }

    @Test func aDamagedSettingsFileIsReportedAndLeftAlone() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/settings.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SettingsError.self) { try SettingsStorage(directory: directory) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json")
    }

    @Test func deviceUUIDComesFromTheJWTIssuer() {
        // {"jti":"nRF9161.fw.nonce","iss":"nRF9161.0c32eebe-6843-4290-ba2f-91a73156bda8"}
        let payload = Data(#"{"jti":"nRF9161.fw.nonce","iss":"nRF9161.0c32eebe-6843-4290-ba2f-91a73156bda8"}"#.utf8)
            .base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        let response = "%JWT: \"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.\(payload).c2ln\"\r\nOK\r\n"
        #expect(HWID.deviceUUID(fromJWTResponse: response) == "0c32eebe-6843-4290-ba2f-91a73156bda8")
        #expect(HWID.deviceUUID(fromJWTResponse: "ERROR\r\n") == nil)
    }

    @Test func macAndDeviceIDSources() {
        let mac = HWID(source: .networkMAC, modem: nil, macAddress: [0xF6, 0x01, 0x02, 0x03, 0x04, 0xAB], deviceID: (0, 0))
        #expect(mac.get() == "F601020304AB")
        let ficr = HWID(source: .deviceID, modem: nil, macAddress: [], deviceID: (0x1234_5678, 0x9ABC_DEF0))
        #expect(ficr.get() == "123456789ABCDEF0")
        #expect(HWID(source: .imei, modem: nil, macAddress: [], deviceID: (0, 0)).get() == nil)
    }

    @Test func localResolverSendsHubAndDPSToTheEmulator() {
        let local = HostResolver.local(address: "127.0.0.1", hubPort: 18883, dpsPort: 18884)
        #expect(local.resolve("h.azure-devices.net", port: 8883, for: .hub) == ("127.0.0.1", 18883))
        #expect(local.resolve("global.azure-devices-provisioning.net", port: 8883, for: .dps) == ("127.0.0.1", 18884))
        #expect(HostResolver.system.resolve("h.azure-devices.net", port: 8883, for: .hub) == ("h.azure-devices.net", 8883))
        // Downloads: port 80 (plain HTTP) goes to the blob storage's HTTP port, anything else to HTTPS.
        let ports = HostResolver.local(address: "127.0.0.1", hubPort: 1, dpsPort: 2, httpsPort: 18443, httpPort: 18080)
        #expect(ports.resolve("a.blob.core.windows.net", port: 80, for: .download) == ("127.0.0.1", 18080))
        #expect(ports.resolve("a.blob.core.windows.net", port: 443, for: .download) == ("127.0.0.1", 18443))
    }
}
