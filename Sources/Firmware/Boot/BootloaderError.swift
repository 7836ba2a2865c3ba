import Secrets

/// Why the virtual MCUboot could not boot the board, or could not record a change to its slots.
public enum BootloaderError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A slot's file exists but cannot be read.
    case unreadableSlot(path: String)
    /// A slot or the trailers could not be written (the old file is left as it was).
    case cannotWrite(DurableFileError)
    /// `trailer.json` cannot be read or is not a trailer file nrfsim wrote.
    case malformedTrailer(path: String, reason: String)
    /// The primary slot's trailer says a swap is half done (magic good, copy_done unset, the secondary's magic not
    /// good: `swap_status_source()`'s "Boot source: primary slot"). nrfsim's swaps never stop halfway, so it has no
    /// swap status to resume from.
    case interruptedSwap(path: String)
    /// The image in the primary slot cannot be booted ("Unable to find bootable image").
    case noBootableImage(path: String, reason: String)
    /// `boot_write_img_confirmed()` failed: the primary slot's trailer magic is bad (`boot_set_next()` returns
    /// `BOOT_EBADVECT`, `bootutil_public.c:544-546`).
    case cannotConfirm(path: String)

    public var description: String {
        switch self {
        case .unreadableSlot(let path): "\(path) cannot be read"
        case .cannotWrite(let error): "\(error)"
        case .malformedTrailer(let path, let reason): "\(path) is not an MCUboot trailer file: \(reason)"
        case .interruptedSwap(let path):
            "\(path): the primary slot's trailer records a swap under way (magic good, copy_done unset), "
                + "which nrfsim cannot resume"
        case .noBootableImage(let path, let reason): "no bootable image in the primary slot \(path): \(reason)"
        case .cannotConfirm(let path): "\(path): the primary slot's trailer magic is bad: the image cannot be confirmed"
        }
    }
}
