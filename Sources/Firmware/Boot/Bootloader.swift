import Crypto
import Foundation
import Secrets

/// A virtual MCUboot in NCS v2.9.0's default mode, swap using move, with one updatable image, over two slots kept in
/// the board's state directory: `mcuboot/primary.bin`, `mcuboot/secondary.bin`, and both slots' image trailers in
/// `mcuboot/trailer.json`. It takes the decisions `context_boot_go()` takes (nrfconnect/sdk-mcuboot v2.1.0-ncs3
/// `boot/bootutil/src/loader.c:2615-2935`) from the trailers, updates them as the swap does, and prints what MCUboot
/// prints on the way (``MCUbootConsole``).
public final class Bootloader: Sendable {
    /// What the bootloader did at this boot.
    public enum Outcome: Sendable, Equatable {
        case none, swapped(to: String), reverted(to: String), refused(reason: String)
    }

    /// The flash offset of the primary slot on the boards nrfsim runs MCUboot on (see ``MCUbootConsole/chainload(offset:)``).
    static let primarySlotOffset = 0x10000
    /// The payload of the image a factory-fresh board runs.
    static let factoryPayload = Array("nrfsim factory image".utf8)

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

    /// Powers MCUboot on: its banner, then `main()` and `boot_go()` for image 0. A factory-fresh board gets the
    /// factory image in its primary slot and erased trailers first. `log` receives each console line.
    /// - Returns: what it did and the image that now runs.
    /// - Throws: ``BootloaderError`` when a slot or the trailers cannot be read or written, or when the primary slot
    ///   holds no bootable image (after "Unable to find bootable image", where MCUboot halts).
    public func boot(factoryVersion: MCUbootImage.Version, log: (String) -> Void) throws(BootloaderError) -> (Outcome, MCUbootImage) {
        do {
            try DurableFile.makeDirectory(self.directory)
        } catch {
            throw .cannotWrite(error)
        }
        MCUbootConsole.banner.forEach(log)
        log(MCUbootConsole.startingBootloader)
        if !FileManager.default.fileExists(atPath: self.primaryPath) {
            try Self.write(MCUbootImage.factoryImage(version: factoryVersion, payload: Self.factoryPayload), to: self.primaryPath)
            try self.saveTrailers(.erased)
        }
        var trailers = try self.loadTrailers()

        // boot_prepare_image_for_update() → swap_read_status() → swap_status_source() (swap_move.c:336-374).
        log(MCUbootConsole.swapState("Primary image", trailers.primary))
        log(MCUbootConsole.swapState("Secondary image", trailers.secondary))
        let underWay = trailers.primary.magic == .good && trailers.primary.copyDone == .unset
            && trailers.secondary.magic != .good
        log(MCUbootConsole.bootSource(primarySlot: underWay))
        guard !underWay else { throw .interruptedSwap(path: self.trailerPath) }

        // boot_validated_swap_type() (loader.c:1491-1627): the trailers' swap type, then the secondary slot checked.
        var swapType = Self.swapType(trailers)
        log(MCUbootConsole.swapType(image: 0, swapType))
        var outcome = Outcome.none
        var incoming: MCUbootImage?
        if swapType != .none {
            switch try self.checkSecondary() {
            case .erased:
                // boot_validate_slot(): an erased header; the trailer left behind is erased (loader.c:1144-1166).
                trailers.secondary = .erased
                try self.saveTrailers(trailers)
                swapType = .none
            case .invalid(let error):
                // loader.c:1240-1252: erased, then "not valid!"; the swap type becomes none (:1582-1584).
                try self.eraseSecondary()
                log(MCUbootConsole.imageNotValid(primary: false))
                trailers.secondary = .erased
                try self.saveTrailers(trailers)
                swapType = .none
                outcome = .refused(reason: "\(error)")
            case .valid(let image):
                incoming = image
            }
        }
        if let incoming, swapType != .none {
            try self.swap(swapType, &trailers, log: log)
            outcome = swapType == .revert ? .reverted(to: incoming.version.description) : .swapped(to: incoming.version.description)
        }

        // The primary slot is validated before the jump (loader.c:2865, MCUBOOT_VALIDATE_PRIMARY_SLOT: Kconfig
        // BOOT_VALIDATE_SLOT0 is y by default). nrfsim checks the header and TLV area here; the hash and signature
        // were checked when the image entered the secondary slot.
        let primaryBytes = try Self.read(self.primaryPath)
        let running: MCUbootImage
        do {
            running = try MCUbootImage(parsing: primaryBytes)
        } catch {
            log(MCUbootConsole.imageNotValid(primary: true))
            log(MCUbootConsole.unableToFindBootableImage)
            throw .noBootableImage(path: self.primaryPath, reason: error.description)
        }
        log(MCUbootConsole.chainload(offset: Self.primarySlotOffset))
        log(MCUbootConsole.jumping)
        return (outcome, running)
    }

    /// `boot_swap_type_multi()`'s table (bootutil_public.c:102-127, :397-459) on the two trailers.
    static func swapType(_ trailers: ImageTrailers) -> SlotTrailer.SwapType {
        let primary = trailers.primary
        let secondary = trailers.secondary
        if secondary.magic == .good, secondary.imageOk == .unset { return .test }
        if secondary.magic == .good, secondary.imageOk == .set { return .perm }
        if primary.magic == .good, secondary.magic == .unset, primary.imageOk == .unset, primary.copyDone == .set {
            return .revert
        }
        return .none
    }

    /// Swaps the slots as `swap_run()` and `boot_perform_update()` do, with the trailer writes they make
    /// (swap_move.c:511-589, loader.c:2145-2218).
    private func swap(_ type: SlotTrailer.SwapType, _ trailers: inout ImageTrailers, log: (String) -> Void) throws(BootloaderError) {
        log(MCUbootConsole.startingSwap)
        var secondary = trailers.secondary
        if type == .revert {
            // fixup_revert() (swap_move.c:473-508): the revert is made to look like a permanent upgrade.
            log(MCUbootConsole.swapState("Secondary image", secondary))
            if secondary.magic == .unset {
                secondary = SlotTrailer(magic: .good, swapType: .none, copyDone: .unset, imageOk: .set)
            }
        }
        // The first sector move (swap_move.c:398-408): swap_status_init() re-initialises the primary trailer with
        // magic, the swap type and the secondary's image_ok (swap_misc.c:83-128); the secondary trailer is erased.
        var primary = SlotTrailer(magic: .good, swapType: type, copyDone: .unset, imageOk: secondary.imageOk == .set ? .set : .unset)
        let oldPrimary = try Self.read(self.primaryPath)
        let oldSecondary = try Self.read(self.secondaryPath)
        try Self.write(oldSecondary, to: self.primaryPath)
        try Self.write(oldPrimary, to: self.secondaryPath)
        // boot_perform_update(): image_ok after a revert or a permanent swap (loader.c:2177-2184), copy_done after
        // every upgrade (:2208-2213).
        if type == .revert || type == .perm { primary.imageOk = .set }
        primary.copyDone = .set
        trailers = ImageTrailers(primary: primary, secondary: .erased)
        try self.saveTrailers(trailers)
    }

    /// What `boot_validate_slot()` finds in the secondary slot.
    enum SlotCheck {
        case erased, invalid(MCUbootImageError), valid(MCUbootImage)
    }

    /// `boot_validate_slot()` for the secondary slot. nrfsim's factory image stands for the build's own signed
    /// `zephyr.signed.bin`, which MCUboot accepts; nrfsim has no private key to sign it, so it is recognised as such.
    func checkSecondary() throws(BootloaderError) -> SlotCheck {
        guard FileManager.default.fileExists(atPath: self.secondaryPath) else { return .erased }
        let bytes = try Self.read(self.secondaryPath)
        // boot_check_header_erased() (loader.c:1057-1080): the header's magic reads as erased flash. An erased slot
        // is an empty file here.
        if bytes.isEmpty || (bytes.count >= 4 && bytes[0..<4].allSatisfy { $0 == 0xFF }) { return .erased }
        if let image = try? MCUbootImage(parsing: bytes),
            bytes == MCUbootImage.factoryImage(version: image.version, payload: Self.factoryPayload)
        {
            return .valid(image)
        }
        do {
            return .valid(try self.verify(bytes))
        } catch {
            return .invalid(error)
        }
    }

    /// Validates an image as the bootloader will: header, TLVs, hash, key and signature, and that it fits the slot.
    public func verify(_ bytes: [UInt8]) throws(MCUbootImageError) -> MCUbootImage {
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

    /// The end of a FOTA download to the secondary slot: `dfu_target_mcuboot_done()` erases the slot's last page,
    /// its trailer (`stream_flash_flatten_page()`, sdk-nrf v2.9.0 subsys/dfu/dfu_target/src/dfu_target_mcuboot.c:190),
    /// then `boot_request_upgrade_multi(0, BOOT_UPGRADE_TEST)` (:208) → `boot_set_next(secondary, false, false)`
    /// writes the magic and swap type test (bootutil_public.c:523-541): the next boot test-swaps the image.
    public func requestTestUpgrade(_ bytes: [UInt8]) throws(BootloaderError) {
        try Self.write(bytes, to: self.secondaryPath)
        var trailers = try self.loadTrailers()
        trailers.secondary = SlotTrailer(magic: .good, swapType: .test, copyDone: .unset, imageOk: .unset)
        try self.saveTrailers(trailers)
    }

    /// `boot_write_img_confirmed()` → `boot_set_next(primary, true, true)` (bootutil_public.c:495-546): image_ok is
    /// written when the primary trailer's magic is good and image_ok unset; an erased trailer is left as it is.
    public func confirm() throws(BootloaderError) {
        var trailers = try self.loadTrailers()
        switch trailers.primary.magic {
        case .good:
            guard trailers.primary.imageOk == .unset else { return }
            trailers.primary.imageOk = .set
            try self.saveTrailers(trailers)
        case .unset:
            return
        case .bad:
            throw .cannotConfirm(path: self.trailerPath)
        }
    }

    /// Whether the running image is kept at the next boot: false while a test image waits for its confirmation.
    public var isConfirmed: Bool {
        get throws(BootloaderError) {
            let primary = try self.loadTrailers().primary
            return !(primary.magic == .good && primary.imageOk == .unset)
        }
    }

    /// `flash_area_erase()` of the secondary slot: its file is replaced, durably, by an empty one (nothing but
    /// erased flash). A failure is an error: the refused image would otherwise be found again at the next boot.
    private func eraseSecondary() throws(BootloaderError) {
        try Self.write([], to: self.secondaryPath)
    }

    /// The trailers; erased when the file does not exist (a board programmed after a full erase). The earlier
    /// three-flag file is read as the trailers it stands for.
    func loadTrailers() throws(BootloaderError) -> ImageTrailers {
        guard FileManager.default.fileExists(atPath: self.trailerPath) else { return .erased }
        guard let data = FileManager.default.contents(atPath: self.trailerPath) else {
            throw .malformedTrailer(path: self.trailerPath, reason: "it cannot be read")
        }
        do {
            return try JSONDecoder().decode(ImageTrailers.self, from: data)
        } catch {
            if let legacy = try? JSONDecoder().decode(LegacyTrailerFlags.self, from: data) { return legacy.trailers }
            throw .malformedTrailer(path: self.trailerPath, reason: "\(error)")
        }
    }

    private func saveTrailers(_ trailers: ImageTrailers) throws(BootloaderError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(trailers)
        } catch {
            // Encoding a struct of enums with raw values cannot fail; the path is named all the same.
            throw .malformedTrailer(path: self.trailerPath, reason: "\(error)")
        }
        try Self.write(Array(data), to: self.trailerPath)
    }

    static func read(_ path: String) throws(BootloaderError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableSlot(path: path) }
        return Array(data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws(BootloaderError) {
        do {
            try DurableFile.write(bytes, to: path, mode: DurableFile.publicMode)
        } catch {
            throw .cannotWrite(error)
        }
    }
}
