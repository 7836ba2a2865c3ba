import Crypto
import Foundation

/// A virtual MCUboot (swap mode with test and revert) over two slots kept in the board's state directory:
/// `mcuboot/primary.bin`, `mcuboot/secondary.bin` and the trailer flags in `mcuboot/trailer.json`.
public final class Bootloader: Sendable {
    /// The image trailer's flags, as `boot_request_upgrade()` and `boot_write_img_confirmed()` set them.
    struct Trailer: Codable, Equatable {
        /// The secondary slot holds an image to test-swap into on the next boot.
        var secondaryPendingTest = false
        /// The primary slot's image has been confirmed (a test image that never is reverts).
        var primaryConfirmed = true
        /// The primary slot runs a test image swapped in at the last boot.
        var primaryIsTest = false
    }

    /// What the bootloader did at this boot.
    public enum Outcome: Sendable, Equatable {
        case none, swapped(to: String), reverted(to: String), refused(reason: String)
    }

    public let directory: String
    public let slotSize: Int
    /// The key's SubjectPublicKeyInfo DER (Crypto's key type is not Sendable).
    let keyDER: [UInt8]?

    /// - Parameters:
    ///   - directory: the `mcuboot` folder of the state directory.
    ///   - key: the board's image signing key (`CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE`); nil refuses every upgrade.
    public init(directory: String, slotSize: Int, key: P256.Signing.PublicKey?) {
        self.directory = directory
        self.slotSize = slotSize
        self.keyDER = key.map { Array($0.derRepresentation) }
    }

    var primaryPath: String { self.directory + "/primary.bin" }
    var secondaryPath: String { self.directory + "/secondary.bin" }
    var trailerPath: String { self.directory + "/trailer.json" }

    /// Boots: installs the factory image into an empty primary slot, then performs a pending test swap or reverts an
    /// unconfirmed test image. - Returns: what it did and the image that now runs.
    /// - Throws: when the slots cannot be read or written.
    public func boot(factoryVersion: MCUbootImage.Version, log: (String) -> Void) throws -> (Outcome, MCUbootImage) {
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        log("I: Starting bootloader")
        if !FileManager.default.fileExists(atPath: self.primaryPath) {
            try Self.write(MCUbootImage.factoryImage(version: factoryVersion, payload: Array("nrfsim factory image".utf8)), to: self.primaryPath)
            try self.saveTrailer(Trailer())
        }
        var trailer = self.loadTrailer()
        var outcome = Outcome.none
        if trailer.primaryIsTest && !trailer.primaryConfirmed {
            log("I: Swap type: revert")
            try self.swapSlots()
            trailer = Trailer()
            try self.saveTrailer(trailer)
            outcome = .reverted(to: try self.primary().version.description)
        } else if trailer.secondaryPendingTest {
            let bytes = try Self.read(self.secondaryPath)
            switch Result(catching: { try self.verify(bytes) }) {
            case .success(let image):
                log("I: Swap type: test")
                try self.swapSlots()
                trailer = Trailer(secondaryPendingTest: false, primaryConfirmed: false, primaryIsTest: true)
                try self.saveTrailer(trailer)
                outcome = .swapped(to: image.version.description)
            case .failure(let error):
                log("E: Image in the secondary slot is not valid: \(error)")
                try? FileManager.default.removeItem(atPath: self.secondaryPath)
                trailer.secondaryPendingTest = false
                try self.saveTrailer(trailer)
                outcome = .refused(reason: "\(error)")
            }
        } else {
            log("I: Swap type: none")
        }
        let running = try self.primary()
        log("I: Bootloader chainload address offset: 0x10000")
        log("I: Jumping to the first image slot")
        return (outcome, running)
    }

    /// Validates an image as the bootloader will: header, TLVs, hash, key and signature, and that it fits the slot.
    public func verify(_ bytes: [UInt8]) throws -> MCUbootImage {
        let image = try MCUbootImage(parsing: bytes)
        guard image.totalLength <= self.slotSize else {
            throw MCUbootImageError("the image (\(image.totalLength) bytes) does not fit the \(self.slotSize)-byte slot")
        }
        guard let der = self.keyDER, let key = try? P256.Signing.PublicKey(derRepresentation: der) else {
            throw MCUbootImageError("the board has no image signing key configured")
        }
        try image.validate(bytes, key: key)
        return image
    }

    /// `dfu_target_mcuboot_done()` + `boot_request_upgrade(BOOT_UPGRADE_TEST)`: the secondary slot is written and
    /// marked for a test swap at the next boot.
    public func requestTestUpgrade(_ bytes: [UInt8]) throws {
        try Self.write(bytes, to: self.secondaryPath)
        var trailer = self.loadTrailer()
        trailer.secondaryPendingTest = true
        try self.saveTrailer(trailer)
    }

    /// `boot_write_img_confirmed()`.
    public func confirm() throws {
        var trailer = self.loadTrailer()
        guard !trailer.primaryConfirmed else { return }
        trailer.primaryConfirmed = true
        try self.saveTrailer(trailer)
    }

    /// Whether the running image still needs confirming.
    public var isConfirmed: Bool { self.loadTrailer().primaryConfirmed }

    func primary() throws -> MCUbootImage { try MCUbootImage(parsing: try Self.read(self.primaryPath)) }

    private func swapSlots() throws {
        let primary = try Self.read(self.primaryPath)
        let secondary = try Self.read(self.secondaryPath)
        try Self.write(secondary, to: self.primaryPath)
        try Self.write(primary, to: self.secondaryPath)
    }

    private func loadTrailer() -> Trailer {
        guard let data = FileManager.default.contents(atPath: self.trailerPath),
            let trailer = try? JSONDecoder().decode(Trailer.self, from: data)
        else { return Trailer() }
        return trailer
    }

    private func saveTrailer(_ trailer: Trailer) throws {
        try JSONEncoder().encode(trailer).write(to: URL(fileURLWithPath: self.trailerPath), options: .atomic)
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MCUbootImageError("\(path) cannot be read")
        }
        return Array(data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
