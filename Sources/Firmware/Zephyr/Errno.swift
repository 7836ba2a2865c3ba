/// The errno values the firmware returns and logs: Zephyr's (newlib) numbers, which differ from Linux's.
public enum Errno {
    public static let ENOENT: Int32 = 2
    public static let ENXIO: Int32 = 6
    public static let ENOMEM: Int32 = 12
    public static let EACCES: Int32 = 13
    public static let EFAULT: Int32 = 14
    public static let EINVAL: Int32 = 22
    public static let EFBIG: Int32 = 27
    public static let ENOMSG: Int32 = 35
    public static let EOPNOTSUPP: Int32 = 95
    public static let ECONNREFUSED: Int32 = 111
    public static let ECONNABORTED: Int32 = 113
    public static let EHOSTUNREACH: Int32 = 118
    public static let ETIMEDOUT: Int32 = 116
    public static let EINPROGRESS: Int32 = 119
    public static let EALREADY: Int32 = 120
    public static let EMSGSIZE: Int32 = 122
    public static let ENOTCONN: Int32 = 128
    public static let EAGAIN: Int32 = 11
    /// `EAI_AGAIN` as getaddrinfo() returns it in Zephyr (`zsock_getaddrinfo`); mqtt_helper returns it positive.
    public static let EAI_AGAIN: Int32 = -3
}
