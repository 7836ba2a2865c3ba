/// One slot's MCUboot image trailer, as `boot_read_swap_state()` decodes it (nrfconnect/sdk-mcuboot v2.1.0-ncs3
/// `boot/bootutil/src/bootutil_public.c:220-261`): the values MCUboot prints and decides on. nrfsim keeps the decoded
/// values, not the trailer's bytes; every write below is the one the named MCUboot function makes.
struct SlotTrailer: Codable, Equatable, Sendable {
    /// `BOOT_MAGIC_*`: erased magic reads `unset` (`bootutil_public.c:233-234`), any other non-magic bytes `bad`.
    enum Magic: String, Codable, Sendable {
        case good, bad, unset
    }

    /// `BOOT_FLAG_*` (`bootutil/include/bootutil/bootutil_public.h:109-111`): an erased byte reads `unset`, 0x01
    /// `set`, anything else `bad` (`boot_read_flag()`, `bootutil_public.c:195-210`, and `boot_flag_decode()`, :133-139).
    enum Flag: UInt8, Codable, Sendable {
        case set = 1, bad = 2, unset = 3
    }

    /// `BOOT_SWAP_TYPE_*` (`bootutil_public.h:61-76`) as the swap_info byte holds it; erased, or above `revert`, it
    /// reads `none` (`bootutil_public.c:249-253`).
    enum SwapType: UInt8, Codable, Sendable {
        case none = 1, test = 2, perm = 3, revert = 4
    }

    var magic: Magic
    var swapType: SwapType
    var copyDone: Flag
    var imageOk: Flag

    /// An erased trailer: what a freshly erased slot (and `swap_erase_trailer_sectors()`, `swap_misc.c:35`) leaves.
    static let erased = SlotTrailer(magic: .unset, swapType: .none, copyDone: .unset, imageOk: .unset)
}

/// The trailers of the primary and the secondary slot, kept in `mcuboot/trailer.json`.
struct ImageTrailers: Codable, Equatable, Sendable {
    var primary: SlotTrailer
    var secondary: SlotTrailer

    /// A board programmed after a full chip erase: both trailers erased.
    static let erased = ImageTrailers(primary: .erased, secondary: .erased)
}

/// The `trailer.json` that nrfsim wrote before it kept the trailers themselves: three flags.
struct LegacyTrailerFlags: Decodable {
    var secondaryPendingTest: Bool
    var primaryConfirmed: Bool
    var primaryIsTest: Bool

    /// The trailers those flags stand for, as MCUboot would have left them: a test image swapped in has
    /// magic good, swap_type test and copy_done set (image_ok once confirmed); a pending test upgrade has the
    /// secondary's magic good and swap_type test. A primary that never was tested reads erased.
    var trailers: ImageTrailers {
        var trailers = ImageTrailers.erased
        if self.primaryIsTest {
            trailers.primary = SlotTrailer(
                magic: .good, swapType: .test, copyDone: .set, imageOk: self.primaryConfirmed ? .set : .unset)
        }
        if self.secondaryPendingTest {
            trailers.secondary = SlotTrailer(magic: .good, swapType: .test, copyDone: .unset, imageOk: .unset)
        }
        return trailers
    }
}
