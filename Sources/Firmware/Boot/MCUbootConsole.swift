/// What MCUboot, as nRF Connect SDK v2.9.0 builds it for the Azure IoT Hub sample on an nRF91 DK, prints on the UART
/// before the application starts, line by line.
///
/// The source is nrfconnect/sdk-mcuboot `v2.1.0-ncs3` (12e5ee106034), the MCUboot of the NCS v2.9.0 release (its
/// release notes, doc/nrf/releases_and_maturity/releases/release-notes-2.9.0.rst:617-624, name that tag's last
/// commit: "an option that allows to select the number of KMU key slots");
/// file:line below are at that tag. (The local NCS snapshot's `west.yml` pins pirun/sdk-mcuboot bebd2267 instead:
/// v2.1.0-ncs3 plus a delta-DFU commit that also adds an unconditional debug `printf("After:bs->idx=...")` to
/// `boot_prepare_image_for_update()`, loader.c:2412 there; nrfsim prints what the release prints.)
///
/// Format: the sample's MCUboot configuration (`samples/net/azure_iot_hub/sysbuild/mcuboot/prj.conf:29-34`, which
/// replaces MCUboot's own `prj.conf`) has `CONFIG_LOG_MODE_MINIMAL=y` and `CONFIG_MCUBOOT_LOG_LEVEL_INF=y`, so every
/// `BOOT_LOG_*` is `printk("%c: " fmt "\n")` (Zephyr `include/zephyr/logging/log_core.h`, `Z_LOG_TO_PRINTK`): `I: `
/// or `E: `, no timestamp, no module name; debug lines are not built in.
enum MCUbootConsole {
    /// The NCS boot banner (sdk-nrf v2.9.0 `lib/boot_banner/banner.c:36-53`), printed by the kernel before MCUboot's
    /// `main()`. The first line names `CONFIG_NCS_APPLICATION_BOOT_BANNER_STRING`: MCUboot's own `prj.conf:41` sets it
    /// to "MCUboot", but the sample's replacement `prj.conf` does not, so it takes its default "My Application"
    /// (`lib/boot_banner/Kconfig:18-22`: MCUboot has a `VERSION` file, 2.1.0-dev). The version is MCUboot's
    /// `APP_VERSION_STRING` and the commit the first 12 hex digits of its git HEAD (`cmake/version_app.cmake:43`,
    /// `cmake/gen_commit_h.cmake:28`); then the NCS and Zephyr versions with their commits, those of the v2.9.0
    /// release checkout (as every public v2.9.0 console shows them).
    static let banner = [
        "*** Booting My Application v2.1.0-dev-12e5ee106034 ***",
        "*** Using nRF Connect SDK v2.9.0-7787b2649840 ***",
        "*** Using Zephyr OS v3.7.99-1f8f3dc29142 ***",
    ]

    /// `main()`, `boot/zephyr/main.c:483`.
    static let startingBootloader = "I: Starting bootloader"

    /// `BOOT_LOG_SWAP_STATE()`, `boot/bootutil/src/swap_move.c:324-332`: printed for the primary and the secondary
    /// slot by `swap_status_source()` (:354, :360), and for the secondary again by `fixup_revert()` (:493) when a
    /// revert starts. swap_type, copy_done and image_ok are printed as numbers (`0x%x`).
    static func swapState(_ area: String, _ trailer: SlotTrailer) -> String {
        "I: \(area): magic=\(trailer.magic.rawValue), swap_type=0x\(String(trailer.swapType.rawValue, radix: 16)), "
            + "copy_done=0x\(String(trailer.copyDone.rawValue, radix: 16)), "
            + "image_ok=0x\(String(trailer.imageOk.rawValue, radix: 16))"
    }

    /// `swap_status_source()`, `swap_move.c:368` (a swap under way, its status in the primary slot) and :372.
    static func bootSource(primarySlot: Bool) -> String {
        primarySlot ? "I: Boot source: primary slot" : "I: Boot source: none"
    }

    /// `boot_swap_type_multi()`, `boot/bootutil/src/bootutil_public.c:443-447` (test, perm, revert) and :457 (none).
    static func swapType(image: Int, _ type: SlotTrailer.SwapType) -> String {
        let name =
            switch type {
            case .none: "none"
            case .test: "test"
            case .perm: "perm"
            case .revert: "revert"
            }
        return "I: Image index: \(image), Swap type: \(name)"
    }

    /// `boot_validate_slot()`, `boot/bootutil/src/loader.c:1249-1250`: the slot's header or its TLVs (hash, key,
    /// signature) do not check out; a secondary slot was just erased (:1240-1245).
    static func imageNotValid(primary: Bool) -> String {
        "E: Image in the \(primary ? "primary" : "secondary") slot is not valid!"
    }

    /// `swap_run()`, `swap_move.c:525`: the swap mode is swap-using-move, NCS v2.9.0's default
    /// (`SB_CONFIG_MCUBOOT_MODE_SWAP_WITHOUT_SCRATCH`, doc/nrf/releases_and_maturity/migration/migration_sysbuild.rst:146;
    /// MCUboot's own `BOOT_PREFER_SWAP_MOVE` is y on Nordic SoCs, boot/zephyr/Kconfig:420-435).
    static let startingSwap = "I: Starting swap using move algorithm."

    /// `main()`, `main.c:587`: `boot_go()` found no image to boot; MCUboot then halts (`FIH_PANIC`).
    static let unableToFindBootableImage = "E: Unable to find bootable image"

    /// `main()`, `main.c:613-614`: `rsp.br_image_off`, the flash offset of the primary slot. With the Partition
    /// Manager that is where `mcuboot_pad` starts: after the 0xc000 MCUboot partition, aligned up to
    /// `CONFIG_FPROTECT_BLOCK_SIZE` (MCUboot's `pm.yml`, `mcuboot_pad: align: {start: CONFIG_FPROTECT_BLOCK_SIZE}`),
    /// which on nRF91 is the 32 KiB SPU region: 0x10000. (The nRF7002 DK's sample configuration sets
    /// `CONFIG_PM_PARTITION_SIZE_MCUBOOT=0x10000`, `sysbuild/mcuboot/boards/nrf7002dk_nrf5340_cpuapp.conf`: 0x10000 too.)
    static func chainload(offset: Int) -> String {
        "I: Bootloader chainload address offset: 0x\(String(offset, radix: 16))"
    }

    /// `main()`, `main.c:620`, just before `do_boot()`. (Some public nRF9151 consoles show this line cut off or
    /// missing, the UART not having drained when the application takes over; nrfsim prints what MCUboot writes.)
    static let jumping = "I: Jumping to the first image slot"
}
