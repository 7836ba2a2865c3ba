import Crypto
import FirmwareConfig
import Foundation
import Logging
import Synchronization
import Testing

@testable import Firmware

/// What a user sees of MCUboot on an nRF9161 DK running the Azure IoT Hub sample (the board's console up to the
/// application's banner), against golden files in `Golden/`: a normal boot, the test swap after a FOTA download, the
/// revert of a test image that was never confirmed, and the boot after one that was. `RECORD_GOLDEN=1` rewrites them.
@Suite("MCUboot's boot console")
struct BootloaderConsoleTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// An nRF9161 DK with the repository's application, MCUboot verifying with `key`, its state in a fresh directory.
    final class Board {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcuboot-console-\(UUID())").path
        let key = P256.Signing.PrivateKey()

        init() throws {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            try self.key.pemRepresentation.write(toFile: self.directory + "/key.pem", atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: self.directory) }

        /// Powers the board on (the firmware is linked but its `main()` is not started), then off unless `halt` is
        /// false, and returns it with what it printed on the console. The firmware's log lines go to `recorder`.
        func powerOn(halt: Bool = true, recorder: LogRecorder = LogRecorder()) throws -> (DeviceFirmware, String) {
            let build = try ConfigurationBuild(
                appDirectory: LibraryAgainstEmulatorTests.repository, board: "nrf9161dk/nrf9161/ns",
                assignments: [#"CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="\#(self.directory)/key.pem""#])
            let configuration = try #require(build.configuration)
            let console = Mutex("")
            let firmware = HaltedImages.keep(try DeviceFirmware(
                configuration: configuration,
                platform: DeviceFirmware.Platform(
                    modem: nil, stateDirectory: self.directory, appDirectory: LibraryAgainstEmulatorTests.repository,
                    resolver: .system, uptime: ManualUptime(microseconds: 0), macAddress: [0xF6, 1, 2, 3, 4, 5],
                    makeLogger: { recorder.logger($0) }, console: { text in console.withLock { $0 += text } })))
            if halt { firmware.halt() }
            return (firmware, console.withLock { $0 })
        }

        /// The end of a FOTA download of `version`: the image in the secondary slot, a test swap requested.
        func download(_ version: MCUbootImage.Version, into firmware: DeviceFirmware) throws {
            let bootloader = try #require(firmware.bootloader)
            try bootloader.requestTestUpgrade(try signedImage(version: version, payload: [version.major], key: self.key))
        }
    }

    func expectGolden(_ console: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Self.golden.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try console.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(console == (try String(contentsOf: url, encoding: .utf8)), sourceLocation: sourceLocation)
    }

    @Test func aNormalBootOfAFactoryFreshBoard() throws {
        let board = try Board()
        let (firmware, console) = try board.powerOn()
        #expect(firmware.runningVersion == "1.0.0")
        try self.expectGolden(console, "mcuboot-normal-boot")
    }

    @Test func theTestSwapAfterAFOTADownload() throws {
        let board = try Board()
        try board.download(.init(major: 2, minor: 0, revision: 0), into: try board.powerOn().0)
        let (firmware, console) = try board.powerOn()
        #expect(firmware.runningVersion == "2.0.0")
        try self.expectGolden(console, "mcuboot-test-swap")
    }

    @Test func theRevertOfATestImageThatWasNotConfirmed() throws {
        let board = try Board()
        try board.download(.init(major: 2, minor: 0, revision: 0), into: try board.powerOn().0)
        _ = try board.powerOn()  // the test swap; the image never reaches AZURE_IOT_HUB_EVT_READY
        let (firmware, console) = try board.powerOn()
        #expect(firmware.runningVersion == "1.0.0")
        try self.expectGolden(console, "mcuboot-revert")
    }

    @Test func theBootAfterTheTestImageWasConfirmed() throws {
        let board = try Board()
        try board.download(.init(major: 2, minor: 0, revision: 0), into: try board.powerOn().0)
        let (swapped, _) = try board.powerOn()
        try #require(swapped.bootloader).confirm()  // boot_write_img_confirmed() on AZURE_IOT_HUB_EVT_READY
        let (firmware, console) = try board.powerOn()
        #expect(firmware.runningVersion == "2.0.0")
        try self.expectGolden(console, "mcuboot-confirmed-boot")
    }

    @Test func anInvalidImageInTheSecondarySlotIsErasedAndRefused() throws {
        let board = try Board()
        let (first, _) = try board.powerOn()
        var image = try signedImage(version: .init(major: 2, minor: 0, revision: 0), payload: [2], key: board.key)
        image[image.count - 1] ^= 1  // the signature no longer verifies
        try #require(first.bootloader).requestTestUpgrade(image)
        let (firmware, console) = try board.powerOn()
        #expect(firmware.runningVersion == "1.0.0")
        try self.expectGolden(console, "mcuboot-invalid-image")
    }

    /// After `sys_reboot()` the old image's threads may still run for a moment (its connection closing): nothing of
    /// it reaches the console once it is powered off, so it cannot break into MCUboot's lines.
    @Test func aPoweredOffImagePrintsNothingMore() throws {
        let board = try Board()
        let recorder = LogRecorder()
        let (firmware, _) = try board.powerOn(halt: false, recorder: recorder)
        firmware.sample.logger.info("before the reboot")
        firmware.halt()
        firmware.sample.logger.error("after the reboot")
        #expect(recorder.entries.filter { $0.hasSuffix("the reboot") } == ["<inf> before the reboot"])
    }

    /// Erasing a refused image is a write like any other: when it fails the boot fails, naming the slot, rather than
    /// leaving the image to be found again.
    @Test func aSecondarySlotThatCannotBeErasedFailsTheBoot() throws {
        let board = try Board()
        let (first, _) = try board.powerOn()
        var image = try signedImage(version: .init(major: 2, minor: 0, revision: 0), payload: [2], key: board.key)
        image[image.count - 1] ^= 1
        let bootloader = try #require(first.bootloader)
        try bootloader.requestTestUpgrade(image)
        // The durable writer's temporary file cannot be created where a directory stands (even for root).
        try FileManager.default.createDirectory(
            atPath: bootloader.secondaryPath + ".tmp/blocked", withIntermediateDirectories: true)
        #expect {
            _ = try board.powerOn()
        } throws: { error in
            "\(error)".contains(bootloader.secondaryPath)
        }
    }
}
