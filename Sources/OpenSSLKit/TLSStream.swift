internal import COpenSSL
import Glibc

/// A blocking TCP connection, with TLS when a context is given: the transport of the firmware's download client.
/// The one owner of its socket and `SSL *`.
public final class TLSStream {
    private let fd: Int32
    private let ssl: OpaquePointer?
    private let context: TLSClientContext?

    /// Connects to `address:port` and, with `context`, completes the TLS handshake naming `serverName` (SNI).
    /// - Throws: ``TLSStreamError`` for a failed connect (with the system's errno) or handshake (with the certificate
    ///   problem, if any).
    public init(address: String, port: Int, context: TLSClientContext?, serverName: String, timeoutSeconds: Int) throws(TLSStreamError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &result) == 0, let info = result else {
            throw .resolve(address: address)
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw .connect(errno: errno, reason: "socket(): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            close(fd)
            throw .connect(errno: code, reason: "connect to \(address):\(port): \(String(cString: strerror(code)))")
        }
        self.fd = fd
        self.context = context
        guard let context else {
            self.ssl = nil
            return
        }
        guard let ssl = SSL_new(context.handle) else {
            close(fd)
            throw .handshake(OpenSSLError("SSL_new"))
        }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        _ = nrfsim_ssl_set_sni(ssl, serverName)
        guard SSL_connect(ssl) == 1 else {
            let failure = context.verificationFailure.map { "certificate verification failed: \($0)" }
            throw .handshake(OpenSSLError("TLS handshake with \(serverName)" + (failure.map { ": \($0)" } ?? "")))
        }
    }

    deinit {
        if let ssl = self.ssl {
            SSL_shutdown(ssl)
            SSL_free(ssl)
        }
        close(self.fd)
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws(TLSStreamError) {
        var offset = 0
        while offset < bytes.count {
            errno = 0
            let written = bytes[offset...].withUnsafeBytes { buffer -> Int in
                if let ssl = self.ssl { return Int(SSL_write(ssl, buffer.baseAddress, Int32(buffer.count))) }
                return Glibc.send(self.fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw .send(errno: errno, OpenSSLError("write failed")) }
            offset += written
        }
    }

    /// Reads what is available (blocking until something is, or the receive timeout passes).
    /// - Returns: empty at the end of the stream, also when the peer closes TCP without TLS's close_notify (the
    ///   socket's view: `recv()` returns 0).
    /// - Throws: ``TLSStreamError/receive(errno:_:)`` with the system's errno (`EAGAIN` after the timeout,
    ///   `ECONNRESET` for a reset).
    public func read(maximum: Int = 16384) throws(TLSStreamError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        errno = 0
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            if let ssl = self.ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
            return Glibc.recv(self.fd, raw.baseAddress, raw.count, 0)
        }
        let code = errno
        if count > 0 { return Array(buffer.prefix(count)) }
        guard let ssl = self.ssl else {
            if count == 0 { return [] }
            throw .receive(errno: code, OpenSSLError("recv failed"))
        }
        switch SSL_get_error(ssl, Int32(count)) {
        case SSL_ERROR_ZERO_RETURN: return []
        case let failure where (failure == SSL_ERROR_SYSCALL || failure == SSL_ERROR_SSL) && code == 0:
            // An EOF without close_notify (OpenSSL 3 reports it as an error with no errno).
            _ = OpenSSLError.drainErrorQueue()
            return []
        default: throw .receive(errno: code, OpenSSLError("read failed"))
        }
    }
}

/// Why a ``TLSStream`` failed; `errno` is the system's (Linux) number, 0 when the system gave none.
public enum TLSStreamError: Error, CustomStringConvertible, Sendable {
    /// The address does not resolve.
    case resolve(address: String)
    /// `socket()` or `connect()` failed.
    case connect(errno: Int32, reason: String)
    /// The TLS handshake failed (with the certificate problem, if any).
    case handshake(OpenSSLError)
    case send(errno: Int32, OpenSSLError)
    case receive(errno: Int32, OpenSSLError)

    public var description: String {
        switch self {
        case .resolve(let address): "cannot resolve \(address)"
        case .connect(_, let reason): reason
        case .handshake(let error): "\(error)"
        case .send(let code, let error), .receive(let code, let error):
            code == 0 ? "\(error)" : "\(error) (\(String(cString: strerror(code))))"
        }
    }
}
