import Foundation
import Logging
import OpenSSLKit

/// Mirrors the SDK's `download_client` as `fota_download` drives it (sdk-nrf v2.9.0
/// subsys/net/lib/download_client/src/download_client.c, http.c): HTTP(S) GETs with `Range` in fragments of
/// `fwFragmentSize` bytes over one keep-alive connection; each fragment, error and the end go to the handler
/// (``FOTADownload``), which decides whether the client reconnects and resumes from the last byte received.
final class DownloadClient: Sendable {
    /// Where the file is: `host` may carry a scheme and a port, as `fwLocation.host` may.
    struct Location: Sendable, Equatable {
        var https: Bool
        var host: String
        var port: Int
        var path: String
        /// The path as the firmware object gives it (what `download_client_get()` logs).
        var file: String

        /// `download_client`'s URL handling: `https://`/`http://` and `:port` in `host` win; otherwise HTTPS when a
        /// security tag is set (port 443), plain HTTP without (port 80).
        init(host rawHost: String, path: String, secure: Bool) {
            var host = rawHost
            var https = secure
            if host.hasPrefix("https://") {
                https = true
                host.removeFirst(8)
            } else if host.hasPrefix("http://") {
                https = false
                host.removeFirst(7)
            }
            if host.hasSuffix("/") { host.removeLast() }
            var port = https ? 443 : 80
            if let colon = host.lastIndex(of: ":"), let explicit = Int(host[host.index(after: colon)...]) {
                port = explicit
                host = String(host[..<colon])
            }
            self.https = https
            self.host = host
            self.port = port
            self.path = path.hasPrefix("/") ? path : "/" + path
            self.file = path
        }
    }

    /// `enum download_client_evt_id`: what the client tells its handler, on its own thread.
    enum Event: Equatable {
        /// `DOWNLOAD_CLIENT_EVT_FRAGMENT` with the file's size as `download_client_file_size_get()` gives it.
        case fragment([UInt8], fileSize: Int)
        /// `DOWNLOAD_CLIENT_EVT_ERROR` with a negative errno.
        case error(Int32)
        /// `DOWNLOAD_CLIENT_EVT_DONE`.
        case done
        /// `DOWNLOAD_CLIENT_EVT_CLOSED`: the last event of a download (download_client.c:765-792).
        case closed
    }

    let resolver: HostResolver
    let tls: TLSProvider
    let secTag: Int?
    /// `CONFIG_DOWNLOAD_CLIENT_BUF_SIZE`: the receive buffer, and the largest fragment (download_client.c:940).
    let bufferSize: Int
    /// `CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE`: the fragment when `fwFragmentSize` is 0 (http.c:70-75).
    let defaultFragmentSize: Int
    let logger: Logger

    init(resolver: HostResolver, tls: TLSProvider, secTag: Int?, bufferSize: Int = 2048, defaultFragmentSize: Int = 2048, logger: Logger) {
        self.resolver = resolver
        self.tls = tls
        self.secTag = secTag
        self.bufferSize = bufferSize
        self.defaultFragmentSize = defaultFragmentSize
        self.logger = logger
    }

    /// `download_client_get()` (download_client.c:1011-1036), called synchronously by `fota_download_start()`:
    /// `download_client_set_host()` refuses a fragment larger than the buffer (:940-943), then
    /// `download_client_start()` logs the file and offset (:1004) before the thread runs.
    /// - Returns: 0, or `-E2BIG`.
    func start(_ location: Location, fragmentSize: Int) -> Int32 {
        // fota_object.fragment_size is a size_t (azure_fota.c:79, :628): a negative fwFragmentSize is huge.
        guard fragmentSize >= 0, fragmentSize <= self.bufferSize else {
            self.logger.error("The configured fragment size is larger than buffer")
            return -Errno.E2BIG
        }
        self.logger.info("Downloading: \(LoggedLocation.redacted(location.file)) [0]")
        return 0
    }

    /// The download thread's work for one file (`download_thread()`, download_client.c:794-900): connect, then a
    /// ranged request per fragment until the file is complete, the handler stops it (a nonzero answer), or a
    /// reconnection fails. `handler` answers each event; `.closed` comes last, once.
    func run(_ location: Location, fragmentSize: Int, handler: (Event) -> Int32) {
        // http.c:70-75: fwFragmentSize 0 means CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE.
        let fragment = fragmentSize == 0 ? self.defaultFragmentSize : fragmentSize
        var progress = 0
        var fileSize = 0
        guard var stream = self.connect(location, handler: handler) else { return }
        var running = true
        while running {
            // request_send() (download_client.c:829-849); a failed send is reported as -ECONNRESET.
            let last = fileSize == 0 ? progress + fragment - 1 : min(progress + fragment - 1, fileSize - 1)
            do {
                try stream.write(Self.request(location, from: progress, to: last))
            } catch {
                self.logger.debug("\(error)")
                self.logger.error("Failed to send HTTP request, errno \(Self.errno(of: error))")  // http.c:109-113
                // download_client.c:835-847: a nonzero answer stops (the handler closes the client); a failed
                // reconnection has closed it already.
                if handler(.error(-Errno.ECONNRESET)) != 0 {
                    running = false
                    continue
                }
                guard let next = self.reconnect(location, handler: handler) else { return }
                stream = next
                continue
            }
            switch self.receiveFragment(stream, size: fragment, progress: progress, fileSize: fileSize) {
            case .refused(let errno):
                // download_client.c:713-718.
                _ = handler(.error(-errno))
                running = false
            case .headerTooLarge:
                // download_client.c:853-858.
                self.logger.error("Could not fit HTTP header from server (> \(self.bufferSize))")
                _ = handler(.error(-Errno.E2BIG))
                running = false
            case .fragment(let bytes, let size, let connectionClose):
                fileSize = size
                progress += bytes.count
                // handle_received() (download_client.c:721-749): the progress line, the fragment, the end.
                self.logger.info("Downloaded \(progress)/\(fileSize) bytes (\(fileSize == 0 ? 0 : progress * 100 / fileSize)%)")
                if handler(.fragment(bytes, fileSize: fileSize)) != 0 {
                    self.logger.info("Fragment refused, download stopped.")
                    running = false
                }
                if progress == fileSize {
                    self.logger.info("Download complete")
                    _ = handler(.done)
                    running = false
                }
                if running, connectionClose {
                    // download_client.c:751-761.
                    guard let next = self.reconnect(location, handler: handler) else {
                        _ = handler(.error(-Errno.EHOSTDOWN))
                        return
                    }
                    stream = next
                }
            case .socketError(let partial, let size, let errno):
                // handle_socket_error() (download_client.c:618-680): bytes already counted go to the handler
                // first, then the error; a zero answer reconnects and the next request resumes after them.
                if !partial.isEmpty {
                    fileSize = size
                    progress += partial.count
                    if handler(.fragment(partial, fileSize: fileSize)) != 0 {
                        self.logger.info("Fragment refused, download stopped.")
                        running = false
                        break
                    }
                }
                var reported = Errno.ECONNRESET
                if let errno {
                    if errno == Errno.ETIMEDOUT || errno == Errno.EAGAIN { reported = Errno.ETIMEDOUT }
                    self.logger.error("Error in recv(), errno \(errno)")
                } else {
                    self.logger.warning("Peer closed connection!")
                }
                // download_client.c:666-677: as for a failed send.
                if handler(.error(-reported)) != 0 {
                    running = false
                    break
                }
                guard let next = self.reconnect(location, handler: handler) else { return }
                stream = next
            }
        }
        // handle_disconnect() (download_client.c:893-896): the client is closing.
        _ = handler(.closed)
    }

    /// What one request's answer came to.
    enum Received {
        case fragment([UInt8], fileSize: Int, connectionClose: Bool)
        /// `http_header_parse()` refused the head (logged).
        case refused(errno: Int32)
        case headerTooLarge
        /// `recv()` failed (`errno`, Zephyr's number) or returned 0 (nil): with the fragment's bytes received so far
        /// once the head was parsed.
        case socketError(partial: [UInt8], fileSize: Int, errno: Int32?)
    }

    /// Receives one response into a buffer of `CONFIG_DOWNLOAD_CLIENT_BUF_SIZE` (download_client.c:851-882,
    /// http.c:239-303): the head, then the body until `size` bytes or the end of the file.
    func receiveFragment(_ stream: TLSStream, size: Int, progress: Int, fileSize knownSize: Int) -> Received {
        var buffer: [UInt8] = []
        var head: HTTPResponseHead?
        var fileSize = knownSize
        while true {
            if head == nil, buffer.count >= self.bufferSize { return .headerTooLarge }
            let chunk: [UInt8]
            do {
                chunk = try stream.read(maximum: self.bufferSize - buffer.count)
            } catch {
                self.logger.debug("\(error)")
                return .socketError(partial: head == nil ? [] : buffer, fileSize: fileSize, errno: Self.errno(of: error))
            }
            guard !chunk.isEmpty else { return .socketError(partial: head == nil ? [] : buffer, fileSize: fileSize, errno: nil) }
            buffer += chunk
            if head == nil {
                switch HTTPResponseHead.parse(buffer, knownFileSize: fileSize, logger: self.logger) {
                case .incomplete: continue
                case .refused(let errno): return .refused(errno: errno)
                case .head(let parsed):
                    head = parsed
                    if let size = parsed.fileSize { fileSize = size }
                    buffer.removeFirst(parsed.length)
                }
            }
            // http.c:286-299: a ranged query reads until a full fragment or the end of the file.
            if progress + buffer.count == fileSize || buffer.count >= size {
                return .fragment(buffer, fileSize: fileSize, connectionClose: head?.connectionClose ?? false)
            }
        }
    }

    /// `reconnect()` (download_client.c:542-557).
    private func reconnect(_ location: Location, handler: (Event) -> Int32) -> TLSStream? {
        self.logger.info("Reconnecting...")
        return self.connect(location, handler: handler)
    }

    /// `client_connect()` and `client_socket_connect()` (download_client.c:244-466). A failure is reported to the
    /// handler and closes the client (:457-463): nil.
    private func connect(_ location: Location, handler: (Event) -> Int32) -> TLSStream? {
        func failed(_ errno: Int32) -> TLSStream? {
            _ = handler(.error(-errno))
            _ = handler(.closed)
            return nil
        }
        guard let (address, port) = self.resolver.lookup(location.host, port: location.port, for: .download) else {
            // download_client.c:452-455: host_lookup() fails with -EHOSTUNREACH (:254-258) before any connect.
            self.logger.error("DNS lookup failed \(location.host)")
            return failed(Errno.EHOSTUNREACH)
        }
        var context: TLSClientContext?
        if location.https {
            guard let secTag = self.secTag else {
                self.logger.warning("No security tag provided for TLS/DTLS")  // download_client.c:396-401
                return failed(Errno.EINVAL)
            }
            self.logger.info("Setting up TLS credentials, sec tag count 1")  // download_client.c:178
            do {
                context = try self.tls.context(secTags: [secTag], hostname: location.host)
            } catch {
                // The modem takes any tag; its credentials fail the handshake in connect().
                self.logger.info("Connecting to \(address)")
                self.logger.debug("TLS setup failed: \(error)")
                self.logger.error("Unable to connect, errno \(self.tls.handshakeFailure)")
                return failed(self.tls.handshakeFailure)
            }
        }
        self.logger.info("Connecting to \(address)")  // download_client.c:341
        self.logger.debug("\(location.host) port \(port)")
        do throws(TLSStreamError) {
            return try TLSStream(address: address, port: port, context: context, serverName: location.host, timeoutSeconds: Self.receiveTimeoutSeconds)
        } catch {
            self.logger.debug("\(error)")
            if case .resolve = error {
                // download_client.c:452-455, host_lookup()'s -EHOSTUNREACH (:254-258). nrfsim resolves as it
                // connects, so this comes after "Connecting to" (a board resolves first).
                self.logger.error("DNS lookup failed \(location.host)")
                return failed(Errno.EHOSTUNREACH)
            }
            var errno = Self.errno(of: error)
            if case .handshake = error { errno = self.tls.handshakeFailure }
            // download_client.c:346-356: ECONNRESET is reported as ECONNREFUSED.
            self.logger.error("Unable to connect, errno \(errno)")
            return failed(errno == Errno.ECONNRESET ? Errno.ECONNREFUSED : errno)
        }
    }

    /// `CONFIG_DOWNLOAD_CLIENT_TCP_SOCK_TIMEO_MS`, default 30000 (download_client/Kconfig:109-111).
    static let receiveTimeoutSeconds = 30

    /// The Zephyr errno of a failed socket call.
    static func errno(of error: any Error) -> Int32 {
        switch error as? TLSStreamError {
        case .connect(let code, _), .send(let code, _), .receive(let code, _): Errno.fromLinux(code)
        case .resolve: Errno.EHOSTUNREACH
        case .handshake, nil: Errno.ECONNREFUSED
        }
    }

    /// `HTTP_GET_RANGE` (http.c:37-42, :84-86).
    static func request(_ location: Location, from: Int, to: Int) -> [UInt8] {
        Array("GET \(location.path) HTTP/1.1\r\nHost: \(location.host)\r\nRange: bytes=\(from)-\(to)\r\nConnection: keep-alive\r\n\r\n".utf8)
    }
}
