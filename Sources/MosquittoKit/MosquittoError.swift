internal import CMosquitto
import Glibc

/// A libmosquitto result other than `MOSQ_ERR_SUCCESS`, with the library's text and, for `MOSQ_ERR_ERRNO`, the
/// system error that caused it.
public struct MosquittoError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The `MOSQ_ERR_*` code.
    public let code: Int32
    /// `errno` when `code` is `MOSQ_ERR_ERRNO`, else 0.
    public let systemErrno: Int32

    init(code: Int32, systemErrno: Int32 = 0) {
        self.code = code
        self.systemErrno = code == MOSQ_ERR_ERRNO.rawValue ? systemErrno : 0
    }

    /// The error for a libmosquitto return value, or nil for success.
    static func check(_ result: Int32) -> MosquittoError? {
        result == MOSQ_ERR_SUCCESS.rawValue ? nil : MosquittoError(code: result, systemErrno: errno)
    }

    /// The error behind a disconnect callback's `reason` (nil for 0, our own DISCONNECT). Call it first thing in the
    /// callback: for `MOSQ_ERR_ERRNO` the system error is the thread's `errno`, which libmosquitto leaves set.
    public static func fromDisconnectReason(_ reason: Int32) -> MosquittoError? {
        reason == 0 ? nil : MosquittoError(code: reason, systemErrno: errno)
    }

    /// The peer reset the connection: a read failed with ECONNRESET, or a write after the reset with EPIPE.
    public var isConnectionReset: Bool { self.systemErrno == ECONNRESET || self.systemErrno == EPIPE }

    public var isTLSFailure: Bool { self.code == MOSQ_ERR_TLS.rawValue || self.code == MOSQ_ERR_TLS_HANDSHAKE.rawValue }
    public var isNoConnection: Bool { self.code == MOSQ_ERR_NO_CONN.rawValue || self.code == MOSQ_ERR_CONN_LOST.rawValue }
    public var isLookupFailure: Bool { self.code == MOSQ_ERR_EAI.rawValue }

    public var description: String {
        let text = String(cString: mosquitto_strerror(self.code))
        return self.systemErrno != 0 ? "\(text) (\(String(cString: strerror(self.systemErrno))))" : text
    }
}
