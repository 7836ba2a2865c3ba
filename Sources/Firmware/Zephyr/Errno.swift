/// The errno values the firmware returns and logs: Zephyr's (newlib) numbers, which differ from Linux's.
public enum Errno {
    public static let ENOENT: Int32 = 2
    public static let EIO: Int32 = 5
    public static let E2BIG: Int32 = 7
    public static let ENXIO: Int32 = 6
    public static let ENOMEM: Int32 = 12
    public static let EACCES: Int32 = 13
    public static let EFAULT: Int32 = 14
    public static let EINVAL: Int32 = 22
    public static let EFBIG: Int32 = 27
    public static let EPIPE: Int32 = 32
    public static let ERANGE: Int32 = 34
    public static let ENOMSG: Int32 = 35
    public static let ENODATA: Int32 = 61
    public static let EBADMSG: Int32 = 77
    public static let EOPNOTSUPP: Int32 = 95
    public static let ECONNRESET: Int32 = 104
    public static let ECONNREFUSED: Int32 = 111
    public static let EHOSTDOWN: Int32 = 117
    public static let ECONNABORTED: Int32 = 113
    public static let ENETUNREACH: Int32 = 114
    public static let EHOSTUNREACH: Int32 = 118
    public static let ETIMEDOUT: Int32 = 116
    public static let EINPROGRESS: Int32 = 119
    public static let EALREADY: Int32 = 120
    public static let EMSGSIZE: Int32 = 122
    public static let ENOTCONN: Int32 = 128
    public static let EAGAIN: Int32 = 11
    /// `EAI_AGAIN` as getaddrinfo() returns it in Zephyr (`zsock_getaddrinfo`); mqtt_helper returns it positive.
    public static let EAI_AGAIN: Int32 = -3

    /// The Zephyr number of a Linux errno a host socket reported (Linux's asm-generic/errno.h against Zephyr's
    /// lib/libc/minimal/include/errno.h, the numbers above); one without a counterpart here becomes `EIO`.
    public static func fromLinux(_ code: Int32) -> Int32 {
        switch code {
        case 11: EAGAIN
        case 32: EPIPE
        case 101: ENETUNREACH
        case 103: ECONNABORTED
        case 104: ECONNRESET
        case 110: ETIMEDOUT
        case 111: ECONNREFUSED
        case 112: EHOSTDOWN
        case 113: EHOSTUNREACH
        default: EIO
        }
    }
}
