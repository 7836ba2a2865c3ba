import Crypto
import FirmwareConfig
import Kconfig
import Foundation
import Logging
import Testing

@testable import Firmware

/// The version Azure FOTA reports is the build's `CONFIG_AZURE_FOTA_APP_VERSION` (nrfconnect/sdk-nrf v2.9.0
/// `subsys/net/lib/azure_fota/azure_fota.c:99-106`), not the header version of the image MCUboot booted; the boot
/// banner keeps the image's.
@Suite("Azure FOTA's current version")
struct FOTAVersionTests {
    /// A board (nRF7002 DK, MCUboot) whose secondary slot holds a signed 2.0.0 image that the next boot test-swaps.
    final class Board {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fota-version-\(UUID())").path
        let key = P256.Signing.PrivateKey()

        init() throws {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            try self.key.pemRepresentation.write(toFile: self.directory + "/key.pem", atomically: true, encoding: .utf8)
            let bootloader = Bootloader(directory: self.directory + "/mcuboot", slotSize: 0x180000, key: self.key.publicKey)
            _ = try bootloader.boot(factoryVersion: .init(major: 1, minor: 0, revision: 0)) { _ in }
            try bootloader.requestTestUpgrade(
                try signedImage(version: .init(major: 2, minor: 0, revision: 0), payload: [2], key: self.key))
        }

        deinit { try? FileManager.default.removeItem(atPath: self.directory) }

        /// Powers the board on with the repository's application and `assignments`.
        func powerOn(_ assignments: [String]) throws -> DeviceFirmware {
            let configuration = try LibraryAgainstEmulatorTests.configuration(
                [#"CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="\#(self.directory)/key.pem""#] + assignments)
            return HaltedImages.keep(try DeviceFirmware(
                configuration: configuration,
                platform: DeviceFirmware.Platform(
                    modem: nil, stateDirectory: self.directory, appDirectory: LibraryAgainstEmulatorTests.repository,
                    resolver: .system, uptime: ManualUptime(microseconds: 0), macAddress: [0xF6, 1, 2, 3, 4, 5],
                    makeLogger: { Logger(label: $0) })))
        }
    }

    @Test func anUpdatedImageStillReportsTheKconfigVersion() throws {
        let board = try Board()
        let firmware = try board.powerOn([])
        defer { firmware.halt() }
        #expect(firmware.runningVersion == "2.0.0")  // the banner's version: the image MCUboot swapped in
        #expect(firmware.hub.fota?.currentVersion == "0.0.0-dev")  // CONFIG_AZURE_FOTA_APP_VERSION's default
    }

    @Test func theVersionIsTheOneConfigured() throws {
        let board = try Board()
        let firmware = try board.powerOn([#"CONFIG_AZURE_FOTA_APP_VERSION="3.1.4""#])
        defer { firmware.halt() }
        #expect(firmware.hub.fota?.currentVersion == "3.1.4")
    }

    @Test func theSimulatorOptionReportsTheImageHeader() throws {
        let board = try Board()
        let firmware = try board.powerOn(["CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE=y"])
        defer { firmware.halt() }
        #expect(firmware.hub.fota?.currentVersion == "2.0.0")
    }

    @Test func automaticVersionIsTheSDKsGitDescribe() throws {
        let board = try Board()
        let firmware = try board.powerOn(["CONFIG_AZURE_FOTA_APP_VERSION_AUTO=y"])
        defer { firmware.halt() }
        #expect(firmware.hub.fota?.currentVersion == "v2.9.0")
    }

    /// azure_fota/Kconfig:31-36: `AZURE_FOTA_APP_VERSION` has no dependency on `..._AUTO`, so it keeps its value
    /// (and an assignment to it is no warning) when the version is automatic.
    @Test func appVersionDoesNotDependOnAuto() throws {
        let build = try ConfigurationBuild(
            appDirectory: LibraryAgainstEmulatorTests.repository, board: "nrf7002dk/nrf5340/cpuapp/ns",
            assignments: ["CONFIG_AZURE_FOTA_APP_VERSION_AUTO=y", #"CONFIG_AZURE_FOTA_APP_VERSION="1.2.3""#])
        let configuration = try #require(build.configuration)
        #expect(configuration.value("AZURE_FOTA_APP_VERSION", as: String.self) == "1.2.3")
        let warnings = build.outcome.evaluationWarnings + build.outcome.locatedWarnings
        #expect(!warnings.contains { $0.contains("AZURE_FOTA_APP_VERSION") })
    }
}
