import Crypto
import FirmwareConfig
import Foundation
import Logging
import Synchronization
import Testing

@testable import Firmware

/// An image as `imgtool sign` lays it out (header 0x200, SHA-256, key hash and ECDSA TLVs), signed in the test.
func signedImage(version: MCUbootImage.Version, payload: [UInt8], key: P256.Signing.PrivateKey) throws -> [UInt8] {
    let unsigned = MCUbootImage.factoryImage(version: version, payload: payload)
    let hashed = Array(unsigned.prefix(0x200 + payload.count))
    let digest = SHA256.hash(data: hashed)
    let signature = Array(try key.signature(for: digest).derRepresentation)
    let keyHash = Array(SHA256.hash(data: key.publicKey.derRepresentation))
    func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    let tlvs = le16(0x10) + le16(32) + Array(digest) + le16(0x01) + le16(32) + keyHash + le16(0x22) + le16(signature.count) + signature
    return hashed + le16(0x6907) + le16(4 + tlvs.count) + tlvs
}

@Suite("MCUboot images and the virtual bootloader")
struct BootTests {
    let key = P256.Signing.PrivateKey()

    @Test func parsesAndValidatesASignedImage() throws {
        let bytes = try signedImage(version: .init(major: 2, minor: 1, revision: 3, build: 4), payload: [1, 2, 3], key: self.key)
        let image = try MCUbootImage(parsing: bytes + [0xFF, 0xFF])  // slot padding after the image is ignored
        #expect(image.version.description == "2.1.3+4" && image.headerSize == 0x200 && image.imageSize == 3)
        #expect(image.totalLength == bytes.count)
        try image.validate(bytes, key: self.key.publicKey)
        #expect(MCUbootImage.Version("2.0.0")?.description == "2.0.0")
        #expect(MCUbootImage.Version("2.0") == nil && MCUbootImage.Version("1.2.x") == nil)
    }

    @Test func refusalsSayWhy() throws {
        let bytes = try signedImage(version: .init(major: 2, minor: 0, revision: 0), payload: Array(repeating: 7, count: 100), key: self.key)
        func reason(_ mutate: (inout [UInt8]) -> Void, key: P256.Signing.PublicKey? = nil) -> String {
            var copy = bytes
            mutate(&copy)
            do {
                try MCUbootImage(parsing: copy).validate(copy, key: key ?? self.key.publicKey)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason { $0[0] = 0 } .hasPrefix("bad header magic"))
        #expect(reason { $0[0x200 + 100] ^= 0xFF } == "bad TLV area magic 0x69f8 at offset 612")
        #expect(reason { $0[0x210] ^= 1 } == "the SHA-256 of the image does not match its TLV")
        #expect(reason { $0[$0.count - 2] ^= 1 } == "the ECDSA signature does not verify")
        #expect(reason({ _ in }, key: P256.Signing.PrivateKey().publicKey).hasPrefix("signed with another key"))
        #expect(reason { $0.removeLast(10) }.hasSuffix("runs past the end of the image"))
        #expect(reason { $0 = Array($0.prefix(20)) }.contains("shorter than its header"))
    }

    @Test func testSwapConfirmAndRevert() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcuboot-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bootloader = Bootloader(directory: directory, slotSize: 0x10000, key: self.key.publicKey)
        var lines: [String] = []
        let factory = MCUbootImage.Version(major: 1, minor: 0, revision: 0)

        var (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(try outcome == .none && running.version.description == "1.0.0" && bootloader.isConfirmed)

        // v2 is tested, confirmed, and stays.
        let v2 = try signedImage(version: .init(major: 2, minor: 0, revision: 0), payload: [2], key: self.key)
        _ = try bootloader.verify(v2)
        try bootloader.requestTestUpgrade(v2)
        (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(try outcome == .swapped(to: "2.0.0") && running.version.description == "2.0.0" && !bootloader.isConfirmed)
        try bootloader.confirm()
        (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(outcome == .none && running.version.description == "2.0.0")

        // v3 is tested but never confirmed: the next boot reverts to v2.
        try bootloader.requestTestUpgrade(try signedImage(version: .init(major: 3, minor: 0, revision: 0), payload: [3], key: self.key))
        (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(running.version.description == "3.0.0")
        (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(try outcome == .reverted(to: "2.0.0") && running.version.description == "2.0.0" && bootloader.isConfirmed)
        #expect(lines.filter { $0.hasPrefix("I: Image index: 0, Swap type: ") }.map { $0.split(separator: " ").last ?? "" } == [
            "none", "test", "none", "test", "revert",
        ])

        // A bad image in the secondary slot is refused at boot and erased; the running image stays.
        var bad = try signedImage(version: .init(major: 4, minor: 0, revision: 0), payload: [4], key: self.key)
        bad[bad.count - 1] ^= 1
        try bootloader.requestTestUpgrade(bad)
        lines = []
        (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(outcome == .refused(reason: "the ECDSA signature does not verify") && running.version.description == "2.0.0")
        #expect(lines.contains("E: Image in the secondary slot is not valid!"))
        #expect(FileManager.default.contents(atPath: directory + "/secondary.bin") == Data())  // erased
        // The next boot finds the slot erased and nothing to do.
        lines = []
        (outcome, running) = try bootloader.boot(factoryVersion: factory) { lines.append($0) }
        #expect(outcome == .none && lines.contains("I: Image index: 0, Swap type: none"))
        // Too big for the slot.
        let big = try signedImage(version: .init(major: 5, minor: 0, revision: 0), payload: Array(repeating: 0, count: 0x10000), key: self.key)
        #expect(throws: MCUbootImageError.self) { try bootloader.verify(big) }
    }
}

/// A primary slot that holds no image: MCUboot says so and halts; the board does not boot.
@Test func aPrimarySlotWithoutAnImageIsNotBooted() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcuboot-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let bootloader = Bootloader(directory: directory, slotSize: 0x10000, key: nil)
    _ = try bootloader.boot(factoryVersion: .init(major: 1, minor: 0, revision: 0)) { _ in }
    try Data([0x3D, 0xB8, 0xF3, 0x97] + [UInt8](repeating: 0, count: 60)).write(to: URL(fileURLWithPath: bootloader.primaryPath))
    var lines: [String] = []
    #expect(throws: BootloaderError.noBootableImage(path: bootloader.primaryPath, reason: "bad header magic 0x97f3b83d at offset 0")) {
        _ = try bootloader.boot(factoryVersion: .init(major: 1, minor: 0, revision: 0)) { lines.append($0) }
    }
    #expect(lines.suffix(3) == [
        "I: Image index: 0, Swap type: none", "E: Image in the primary slot is not valid!", "E: Unable to find bootable image",
    ])
}

/// `mcuboot/trailer.json`: the two slots' trailers; the earlier three-flag file; what is not a trailer file.
@Suite("The virtual MCUboot's trailer file")
struct TrailerFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trailer-\(UUID())").path

    func booted() throws -> Bootloader {
        let bootloader = Bootloader(directory: self.directory, slotSize: 0x10000, key: nil)
        _ = try bootloader.boot(factoryVersion: .init(major: 1, minor: 0, revision: 0)) { _ in }
        return bootloader
    }

    func bootLines(_ bootloader: Bootloader) -> ([String], (any Error)?) {
        var lines: [String] = []
        let result = Result { try bootloader.boot(factoryVersion: .init(major: 1, minor: 0, revision: 0)) { lines.append($0) } }
        if case .failure(let error) = result { return (lines, error) }
        return (lines, nil)
    }

    @Test func theTrailersAreKeptAsMCUbootDecodesThem() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let bootloader = try self.booted()
        try bootloader.requestTestUpgrade([1, 2, 3])
        let saved = try JSONDecoder().decode(ImageTrailers.self, from: Data(contentsOf: URL(fileURLWithPath: bootloader.trailerPath)))
        #expect(saved == ImageTrailers(
            primary: .erased, secondary: SlotTrailer(magic: .good, swapType: .test, copyDone: .unset, imageOk: .unset)))
    }

    /// A state directory from before the trailers were kept: a test image never confirmed is reverted.
    @Test func theEarlierFlagFileReadsAsTheTrailersItStandsFor() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let bootloader = try self.booted()
        try #"{"secondaryPendingTest":false,"primaryConfirmed":false,"primaryIsTest":true}"#
            .write(toFile: bootloader.trailerPath, atomically: true, encoding: .utf8)
        let (lines, error) = self.bootLines(bootloader)
        #expect(error == nil)
        #expect(lines.contains("I: Primary image: magic=good, swap_type=0x2, copy_done=0x1, image_ok=0x3"))
        #expect(lines.contains("I: Image index: 0, Swap type: revert"))
    }

    @Test func aFileThatIsNoTrailerFileFailsTheBootNamingIt() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let bootloader = try self.booted()
        try #"{"primary":{"magic":"good"}}"#.write(toFile: bootloader.trailerPath, atomically: true, encoding: .utf8)
        let (lines, error) = self.bootLines(bootloader)
        #expect(lines.last == "I: Starting bootloader")
        guard case .malformedTrailer(let path, _) = error as? BootloaderError else {
            Issue.record("not a malformed trailer: \(String(describing: error))")
            return
        }
        #expect(path == bootloader.trailerPath)
    }

    /// magic good with copy_done unset in the primary slot is a swap under way ("Boot source: primary slot"), which
    /// nrfsim never leaves behind and cannot resume.
    @Test func aSwapUnderWayIsNotResumed() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let bootloader = try self.booted()
        let trailers = ImageTrailers(
            primary: SlotTrailer(magic: .good, swapType: .test, copyDone: .unset, imageOk: .unset), secondary: .erased)
        try JSONEncoder().encode(trailers).write(to: URL(fileURLWithPath: bootloader.trailerPath))
        let (lines, error) = self.bootLines(bootloader)
        #expect(lines.suffix(3) == [
            "I: Primary image: magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3",
            "I: Secondary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3",
            "I: Boot source: primary slot",
        ])
        #expect(error as? BootloaderError == .interruptedSwap(path: bootloader.trailerPath))
    }
}

@Suite("FOTA download and status")
struct FOTATests {
    /// The library as the nRF7002 DK's configuration builds it, running `currentVersion`, with nothing to download.
    static func fota(currentVersion: String, logs: LogRecorder? = nil, slotSize: Int = 1) throws -> AzureFOTA {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fota-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logger = { (label: String) in logs?.logger(label) ?? Logger(label: label) }
        return AzureFOTA(
            configuration: try #require(try LibraryAgainstEmulatorTests.configuration([]).fota), currentVersion: currentVersion,
            download: FOTADownload(
                client: DownloadClient(resolver: .system, tls: .native(TLSCredentials()), secTag: nil, logger: logger("download_client")),
                target: DFUTarget(
                    bootloader: Bootloader(directory: directory, slotSize: slotSize, key: nil), logger: logger("dfu_target"),
                    mcubootLogger: logger("dfu_target_mcuboot")),
                logger: logger("fota_download")),
            logger: logger("azure_fota"))
    }

    @Test(arguments: [
        ("example.com", true, true, "example.com", 443),
        ("example.com", false, false, "example.com", 80),
        ("https://example.com:8443", false, true, "example.com", 8443),
        ("http://example.com/", true, false, "example.com", 80),
    ])
    func locationFollowsTheDownloadClient(host: String, secure: Bool, https: Bool, name: String, port: Int) {
        let location = DownloadClient.Location(host: host, path: "fw/app.bin", secure: secure)
        #expect(location.https == https && location.host == name && location.port == port && location.path == "/fw/app.bin")
    }

    /// The reports `azure_fota_msg_process()` sends for a twin's `reported.firmware` (azure_fota.c:281-473).
    @Test func reportedStatusDecisionTable() throws {
        let fota = try Self.fota(currentVersion: "2.0.0")
        let events = Mutex<[AzureFOTA.Event]>([])
        #expect(fota.initialize { event in events.withLock { $0.append(event) } } == 0)
        func report(_ firmware: [String: Any]?) throws -> String? {
            let twin: [String: Any] = ["desired": [:] as [String: Any], "reported": firmware.map { ["firmware": $0] } ?? [:]]
            events.withLock { $0 = [] }
            #expect(fota.msgProcess(Array(try JSONSerialization.data(withJSONObject: twin))) == 0)
            return events.withLock { events in
                events.compactMap { if case .report(let report) = $0 { report } else { nil } }.first
            }
        }
        #expect(try report(nil) == #"{"firmware":{"fwUpdateStatus":"current","currentFwVersion":"2.0.0"}}"#)
        #expect(try report(["fwUpdateStatus": "current", "currentFwVersion": "2.0.0", "pendingFwVersion": "2.0.0"]) == nil)
        #expect(try report(["fwUpdateStatus": "applying", "currentFwVersion": "1.0.0", "pendingFwVersion": "2.0.0", "jobId": "j"])?
            .contains(#""fwUpdateStatus":"current""#) == true)
        // At boot fota_object holds no job (azure_fota.c:165-174): the rolled-back report has no pendingFwVersion or
        // jobId, although the twin's reported object has them.
        #expect(try report(["fwUpdateStatus": "applying", "currentFwVersion": "2.0.0", "pendingFwVersion": "3.0.0", "jobId": "j"])
            == #"{"firmware":{"fwUpdateStatus":"rolledback","currentFwVersion":"2.0.0"}}"#)
        #expect(try report(["fwUpdateStatus": "downloading", "currentFwVersion": "2.0.0", "pendingFwVersion": "3.0.0"])?
            .contains(#""fwUpdateStatus":"error""#) == true)
        #expect(try report(["fwUpdateStatus": "error", "currentFwVersion": "2.0.0", "pendingFwVersion": "3.0.0"]) == nil)
        #expect(try report(["currentFwVersion": "2.0.0"]) == nil)
    }

    /// `extract_fw_details()` stores the job ID in `fota_object` before it finds the rest missing
    /// (azure_fota.c:557-574), so later reports carry it.
    @Test func aDesiredJobIDIsKeptEvenWhenTheJobDoesNotStart() throws {
        let fota = try Self.fota(currentVersion: "2.0.0")
        let events = Mutex<[AzureFOTA.Event]>([])
        #expect(fota.initialize { event in events.withLock { $0.append(event) } } == 0)
        let patch = #"{"firmware":{"fwVersion":"3.0.0","jobId":"job-9","fwLocation":{"host":"h"}}}"#
        #expect(fota.msgProcess(Array(patch.utf8)) == 0)
        let twin = #"{"desired":{},"reported":{"firmware":{"fwUpdateStatus":"downloading","currentFwVersion":"2.0.0","pendingFwVersion":"3.0.0"}}}"#
        #expect(fota.msgProcess(Array(twin.utf8)) == 0)
        #expect(events.withLock { $0 } == [
            .report(#"{"firmware":{"fwUpdateStatus":"error","currentFwVersion":"2.0.0","pendingFwVersion":"3.0.0","jobId":"job-9"}}"#)
        ])
    }

    /// A download for an MCUboot image raises START and then DONE or ERROR, never the erase events: those come
    /// only from the modem delta DFU target (dfu_target_modem_delta.c:41, :58; dfu_target_mcuboot.c:118 ignores
    /// its callback).
    @Test func aDownloadRaisesNoEraseEvents() throws {
        let fota = try Self.fota(currentVersion: "2.0.0")
        let events = Mutex<[AzureFOTA.Event]>([])
        let ended = KSemaphore(initial: 0, limit: 1)
        #expect(fota.initialize { event in
            events.withLock { $0.append(event) }
            if case .error = event { ended.give() }
            if case .done = event { ended.give() }
        } == 0)
        // Nothing listens on 127.0.0.1:1: the download fails after its retries.
        let patch = #"{"firmware":{"fwVersion":"3.0.0","jobId":"j","fwLocation":{"host":"http://127.0.0.1:1","path":"fw.bin"},"fwFragmentSize":1800}}"#
        #expect(fota.msgProcess(Array(patch.utf8)) == 1)
        #expect(ended.take(timeoutSeconds: 30))
        let kinds = events.withLock { events in
            events.map { event -> String in
                switch event {
                case .report: "report"
                case .start: "start"
                case .done: "done"
                case .error: "error"
                case .erasePending: "erasePending"
                case .eraseDone: "eraseDone"
                }
            }
        }
        #expect(kinds == ["start", "error"])
    }

    @Test func missingFragmentSizeMeansNoUpdate() throws {
        let fota = try Self.fota(currentVersion: "1.0.0")
        #expect(fota.msgProcess(Array("{}".utf8)) == -Errno.EINVAL)  // not initialised
        #expect(fota.initialize { _ in } == 0)
        let patch = #"{"firmware":{"fwVersion":"2.0.0","fwLocation":{"host":"h","path":"p"}},"$version":3}"#
        #expect(fota.msgProcess(Array(patch.utf8)) == 0)
        let sameVersion = #"{"firmware":{"fwVersion":"1.0.0","fwLocation":{"host":"h","path":"p"},"fwFragmentSize":1800}}"#
        #expect(fota.msgProcess(Array(sameVersion.utf8)) == 0)
    }
}
