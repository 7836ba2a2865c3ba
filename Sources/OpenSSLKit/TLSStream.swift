internal import COpenSSL
import Glibc

/// A blocking TCP connection, with TLS when a context is given: the transport of the firmware's download client.
/// The one owner of its socket and `SSL *`.
public final class TLSStream {
    private let fd: Int32
    private let ssl: OpaquePointer?
    private let context: TLSClientContext?

    /// Connects to `address:port` and, with `context`, completes the TLS handshake naming `serverName` (SNI).
    /// - Throws: ``OpenSSLError`` for a failed connect or handshake (with the certificate problem, if any).
    public init(address: String, port: Int, context: TLSClientContext?, serverName: String, timeoutSeconds: Int) throws(OpenSSLError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &result) == 0, let info = result else {
            throw OpenSSLError("cannot resolve \(address)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw OpenSSLError("socket()") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw OpenSSLError("connect to \(address):\(port): \(reason)")
        }
        self.fd = fd
        self.context = context
        guard let context else {
            self.ssl = nil
            return
        }
        guard let ssl = SSL_new(context.handle) else {
            close(fd)
            throw OpenSSLError("SSL_new")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        _ = nrfsim_ssl_set_sni(ssl, serverName)
        guard SSL_connect(ssl) == 1 else {
            let failure = context.verificationFailure.map { "certificate verification failed: \($0)" }
            throw OpenSSLError("TLS handshake with \(serverName)" + (failure.map { ": \($0)" } ?? ""))
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
    public func write(_ bytes: [UInt8]) throws(OpenSSLError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer -> Int in
                if let ssl = self.ssl { return Int(SSL_write(ssl, buffer.baseAddress, Int32(buffer.count))) }
                return Glibc.send(self.fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw OpenSSLError("write failed") }
            offset += written
        }
    }

    /// Reads what is available (blocking until something is). - Returns: empty at the end of the stream.
    public func read(maximum: Int = 16384) throws(OpenSSLError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            if let ssl = self.ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
            return Glibc.recv(self.fd, raw.baseAddress, raw.count, 0)
        }
        if count > 0 { return Array(buffer.prefix(count)) }
        if count == 0 || (self.ssl.map { SSL_get_error($0, Int32(count)) == SSL_ERROR_ZERO_RETURN } ?? false) { return [] }
        throw OpenSSLError("read failed")
    }
}
