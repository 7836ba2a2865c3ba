import Foundation
import Logging
import OpenSSLKit

/// Mirrors the SDK's `download_client` as `fota_download` drives it: HTTP(S) GETs with `Range` in fragments of
/// `fragmentSize` bytes over one keep-alive connection, resumed from the last byte after a dropped connection.
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

    /// Consecutive failed attempts at one fragment before the download fails.
    static let maximumRetries = 3

    let resolver: HostResolver
    let tls: TLSProvider
    let secTag: Int?
    let logger: Logger
    /// `fota_download`'s module, which drives this client and logs its retries.
    let fotaDownloadLogger: Logger
    /// `dfu_target_mcuboot`'s module, which refuses a file larger than the slot.
    let dfuTargetLogger: Logger

    init(
        resolver: HostResolver, tls: TLSProvider, secTag: Int?, logger: Logger, fotaDownloadLogger: Logger? = nil,
        dfuTargetLogger: Logger? = nil
    ) {
        self.resolver = resolver
        self.tls = tls
        self.secTag = secTag
        self.logger = logger
        self.fotaDownloadLogger = fotaDownloadLogger ?? logger
        self.dfuTargetLogger = dfuTargetLogger ?? logger
    }

    /// Downloads the whole file. `maximumSize` refuses a larger file as soon as its size is known.
    /// - Returns: the file.
    func download(_ location: Location, fragmentSize: Int, maximumSize: Int) throws -> [UInt8] {
        var file: [UInt8] = []
        var total: Int?
        var requests = 0
        var failures = 0
        var stream: TLSStream?
        // download_client_get() (download_client.c:1004): the file and the offset it starts from.
        self.logger.info("Downloading: \(LoggedLocation.redacted(location.file)) [0]")
        while total.map({ file.count < $0 }) ?? true {
            do {
                if stream == nil { stream = try self.connect(location) }
                let end = file.count + max(1, fragmentSize) - 1
                requests += 1
                let (body, fileSize) = try Self.get(stream!, location: location, from: file.count, to: end)
                if total == nil, fileSize > maximumSize {
                    // dfu_target_mcuboot_init() (dfu_target_mcuboot.c:129-132), then fota_download's line.
                    self.dfuTargetLogger.error("Requested file too big to fit in flash \(fileSize) > 0x\(String(maximumSize, radix: 16))")
                    self.fotaDownloadLogger.error("dfu_target_init error \(-Errno.EFBIG)")
                    throw DownloadError("the file is \(fileSize) bytes, more than the \(maximumSize) bytes of the slot", fatal: true)
                }
                total = fileSize
                file += body
                failures = 0
                // download_client.c:721-726: every fragment.
                let percent = fileSize == 0 ? 100 : file.count * 100 / fileSize
                self.logger.info("Downloaded \(file.count)/\(fileSize) bytes (\(percent)%)")
            } catch let error as DownloadError where error.isFatal {
                throw error
            } catch {
                stream = nil
                failures += 1
                self.logger.debug("Fragment at offset \(file.count) failed: \(error)")
                guard failures <= Self.maximumRetries else { throw DownloadError("too many failed requests: \(error)") }
                // fota_download.c:316-322 on a socket error, then download_client.c:546 as it reconnects.
                self.fotaDownloadLogger.warning("Download socket error. \(Self.maximumRetries - failures + 1) retries left...")
                Thread.sleep(forTimeInterval: 0.2 * Double(failures))
                self.logger.info("Reconnecting...")
            }
        }
        self.logger.info("Download complete")
        self.logger.debug("\(file.count) bytes in \(requests) requests")
        return file
    }

    private func connect(_ location: Location) throws -> TLSStream {
        let (address, port) = self.resolver.resolve(location.host, port: location.port, for: .download)
        var context: TLSClientContext?
        if location.https {
            guard let secTag = self.secTag else {
                self.logger.warning("No security tag provided for TLS/DTLS")  // download_client.c:396-401
                throw DownloadError("HTTPS needs CONFIG_AZURE_FOTA_SEC_TAG", fatal: true)
            }
            self.logger.info("Setting up TLS credentials, sec tag count 1")  // socket_sectag_set()
            context = try self.tls.context(secTags: [secTag], hostname: location.host)
        }
        self.logger.info("Connecting to \(address)")  // download_client.c:341
        self.logger.debug("\(location.host) port \(port)")
        return try TLSStream(address: address, port: port, context: context, serverName: location.host, timeoutSeconds: 30)
    }

    /// One ranged GET. - Returns: the body and the whole file's size (from `Content-Range`).
    static func get(_ stream: TLSStream, location: Location, from: Int, to: Int) throws -> ([UInt8], Int) {
        let request = "GET \(location.path) HTTP/1.1\r\nHost: \(location.host)\r\nRange: bytes=\(from)-\(to)\r\nConnection: keep-alive\r\n\r\n"
        try stream.write(Array(request.utf8))
        var buffer: [UInt8] = []
        var headerEnd: Int?
        while headerEnd == nil {
            let chunk = try stream.read()
            guard !chunk.isEmpty else { throw DownloadError("connection closed before the response") }
            buffer += chunk
            headerEnd = Self.find([13, 10, 13, 10], in: buffer).map { $0 + 4 }
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard status == 206 || (status == 200 && from == 0) else {
            throw DownloadError("HTTP status \(status) for \(LoggedLocation.redacted(location.path))", fatal: status >= 400 && status < 500)
        }
        guard let length = headers["content-length"].flatMap(Int.init) else { throw DownloadError("no Content-Length") }
        // The server must send Content-Range (the download client's documented requirement).
        guard let range = headers["content-range"], let slash = range.lastIndex(of: "/"),
            let size = Int(range[range.index(after: slash)...])
        else { throw DownloadError("no Content-Range in the response", fatal: true) }
        var body = Array(buffer[headerEnd!...])
        while body.count < length {
            let chunk = try stream.read()
            guard !chunk.isEmpty else { throw DownloadError("connection closed after \(body.count) of \(length) bytes") }
            body += chunk
        }
        return (Array(body.prefix(length)), size)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// A failed download; `isFatal` ones are not retried.
struct DownloadError: Error, CustomStringConvertible {
    let description: String
    let isFatal: Bool
    init(_ description: String, fatal: Bool = false) {
        self.description = description
        self.isFatal = fatal
    }
}
