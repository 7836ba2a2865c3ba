import Logging
import Synchronization

/// The DFU target library as `fota_download` uses it with the board's only target for an application image, the
/// MCUboot one (sdk-nrf v2.9.0 subsys/dfu/dfu_target/src/dfu_target.c and dfu_target_mcuboot.c). Like the
/// original it looks at nothing but the header's magic and the file's size: the hash, key and signature are
/// MCUboot's business at the next boot (``Bootloader/boot(factoryVersion:log:)``).
final class DFUTarget: Sendable {
    /// `MIN_SIZE_IDENTIFY_BUF` (dfu_target.c:42): a shorter first fragment identifies nothing.
    static let minimumIdentifyLength = 32

    struct State {
        /// `current_target` is the MCUboot target: set by the first `dfu_target_init()` of a boot, even a failed
        /// one, and never cleared by `dfu_target_done()` (dfu_target.c:135-138, :159-174).
        var current = false
        /// What `dfu_target_write()` streamed into the secondary slot.
        var image: [UInt8] = []
    }

    let bootloader: Bootloader
    /// `dfu_target`'s module.
    let logger: Logger
    /// `dfu_target_mcuboot`'s module.
    let mcubootLogger: Logger
    let state = Mutex(State())

    init(bootloader: Bootloader, logger: Logger, mcubootLogger: Logger) {
        self.bootloader = bootloader
        self.logger = logger
        self.mcubootLogger = mcubootLogger
    }

    /// `dfu_target_img_type()` (dfu_target.c:49-71) with `dfu_target_mcuboot_identify()` (dfu_target_mcuboot.c:94-98):
    /// whether the first fragment starts with MCUboot's header magic.
    func isMCUbootImage(_ fragment: [UInt8]) -> Bool {
        guard fragment.count >= Self.minimumIdentifyLength else { return false }
        if MCUbootImage.u32(fragment, 0) == MCUbootImage.magic { return true }
        self.logger.error("No supported image type found")  // dfu_target.c:69
        return false
    }

    /// `dfu_target_init()` → `dfu_target_mcuboot_init()` (dfu_target.c:87-139, dfu_target_mcuboot.c:116-157).
    /// - Returns: 0, or `-EFBIG` for a file larger than the secondary slot.
    func initialize(fileSize: Int) -> Int32 {
        self.state.withLock {
            $0.current = true
            $0.image = []
        }
        guard fileSize <= self.bootloader.slotSize else {
            self.mcubootLogger.error("Requested file too big to fit in flash \(fileSize) > 0x\(String(self.bootloader.slotSize, radix: 16))")
            return -Errno.EFBIG
        }
        return 0
    }

    /// `dfu_target_write()` (dfu_target.c:150-157).
    func write(_ bytes: [UInt8]) -> Int32 {
        self.state.withLock { state in
            guard state.current else { return -Errno.EACCES }
            state.image += bytes
            return 0
        }
    }

    /// `dfu_target_done()` → `dfu_target_mcuboot_done()` (dfu_target.c:159-174, dfu_target_mcuboot.c:178-202).
    /// - Returns: 0, or `-EACCES` when no target was initialised this boot.
    func done(successful: Bool) -> Int32 {
        guard self.state.withLock({ $0.current }) else { return -Errno.EACCES }
        if !successful { self.mcubootLogger.info("MCUBoot image upgrade aborted.") }  // dfu_target_mcuboot.c:198
        return 0
    }

    /// `dfu_target_schedule_update(0)` → `dfu_target_mcuboot_schedule_one_img()` (dfu_target_mcuboot.c:204-218):
    /// the streamed image is in the secondary slot and `boot_request_upgrade_multi(0, BOOT_UPGRADE_TEST)` marks it
    /// for a test swap, whatever it holds.
    func scheduleUpdate() -> Int32 {
        guard self.state.withLock({ $0.current }) else { return -Errno.EACCES }
        let image = self.state.withLock { $0.image }
        do {
            try self.bootloader.requestTestUpgrade(image)
        } catch {
            // dfu_target_mcuboot.c:209-211; the slot or trailer file could not be written.
            self.mcubootLogger.debug("\(error)")
            self.mcubootLogger.error("boot_request_upgrade for image-0 error \(-Errno.EIO)")
            return -Errno.EIO
        }
        // Not on a board: what MCUboot will make of the image at the next boot, for a developer at debug level.
        do {
            _ = try self.bootloader.verify(image)
        } catch {
            self.mcubootLogger.debug("MCUboot will refuse this image at the next boot: \(error)")
        }
        self.mcubootLogger.info("MCUBoot image-0 upgrade scheduled. Reset device to apply")  // dfu_target_mcuboot.c:213-214
        return 0
    }
}
