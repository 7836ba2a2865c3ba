import Foundation
import Glibc
import Logging
import Synchronization
import Testing

@testable import Firmware

/// A blob server on 127.0.0.1 for the download client: each ranged GET gets a 206 with `Content-Range`, of which at
/// most `cut` body bytes are sent before the connection is closed (a server or path that drops connections).
final class CuttingBlobServer: Sendable {
    let fd: Int32
    let port: Int
    let file: [UInt8]
    let cut: Int
    let connections = Mutex(0)
    /// Signalled when the accept thread ended: only then is the socket closed, so that its descriptor number is not
    /// reused (by the next test's server) while this thread still accepts on it.
    private let acceptEnded = DispatchSemaphore(value: 0)

    init(file: [UInt8], cut: Int = .max) throws {
        self.file = file
        self.cut = cut
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(fd >= 0 && bound == 0 && listen(fd, 8) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while case let client = accept(self.fd, nil, nil), client >= 0 {
                self.connections.withLock { $0 += 1 }
                self.answer(client)
            }
            self.acceptEnded.signal()
        }.start()
    }

    /// Answers the requests of one kept-alive connection; a cut one is closed after its first answer.
    private func answer(_ client: Int32) {
        defer {
            shutdown(client, Int32(SHUT_RDWR))
            close(client)
        }
        while self.answerOne(client), self.cut == .max {}
    }

    private func answerOne(_ client: Int32) -> Bool {
        var request: [UInt8] = []
        while HTTPResponseHead.find(Array("\r\n\r\n".utf8), in: request[...]) == nil {
            var buffer = [UInt8](repeating: 0, count: 1024)
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return false }
            request += buffer[..<count]
        }
        let text = String(decoding: request, as: UTF8.self)
        guard let range = text.range(of: "Range: bytes=") else { return false }
        let bounds = text[range.upperBound...].prefix { $0.isNumber || $0 == "-" }.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2 else { return false }
        let end = min(bounds[1], self.file.count - 1)
        let body = self.file[bounds[0]...end]
        let head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes \(bounds[0])-\(end)/\(self.file.count)\r\nContent-Length: \(body.count)\r\n\r\n"
        let answer = Array(head.utf8) + body.prefix(self.cut)
        return answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == answer.count
    }

    /// Ends the accept thread (a listening socket shut down fails its `accept()`), then closes the socket.
    func stop() {
        shutdown(self.fd, Int32(SHUT_RDWR))
        self.acceptEnded.wait()
        close(self.fd)
    }
}

/// The FOTA failure paths as sdk-nrf v2.9.0 logs them: `download_client` (download_client.c, http.c),
/// `fota_download` (fota_download.c), the MCUboot DFU target (dfu_target.c, dfu_target_mcuboot.c) and `azure_fota`.
@Suite("FOTA failure paths")
struct FOTAFailureTests {
    /// A file that starts like an MCUboot image (the header magic, dfu_target_mcuboot.c:94-98) and holds nothing else.
    static func mcubootLike(_ size: Int) -> [UInt8] {
        [0x3D, 0xB8, 0xF3, 0x96] + [UInt8](repeating: 0x5A, count: size - 4)
    }

    /// Whether `expected` appears in `lines` in this order (other lines may come between).
    static func inOrder(_ expected: [String], _ lines: [String]) -> Bool {
        var position = 0
        for line in expected {
            guard let found = lines[position...].firstIndex(of: line) else { return false }
            position = found + 1
        }
        return true
    }

    /// Starts a download of `file` from `server` and waits for its end.
    /// - Returns: the console and the events.
    static func download(
        from server: CuttingBlobServer, fragmentSize: Int = 2048, slotSize: Int = 0x10000
    ) throws -> (console: [String], events: [AzureFOTA.Event]) {
        let logs = LogRecorder()
        let fota = try FOTATests.fota(currentVersion: "1.0.0", logs: logs, slotSize: slotSize)
        let events = Mutex<[AzureFOTA.Event]>([])
        let ended = KSemaphore(initial: 0, limit: 1)
        #expect(fota.initialize { event in
            events.withLock { $0.append(event) }
            switch event {
            case .error, .done: ended.give()
            default: break
            }
        } == 0)
        let patch = #"{"firmware":{"fwVersion":"2.0.0","jobId":"j","fwLocation":{"host":"http://127.0.0.1:\#(server.port)","path":"fw.bin"},"fwFragmentSize":\#(fragmentSize)}}"#
        #expect(fota.msgProcess(Array(patch.utf8)) == 1)
        #expect(ended.take(timeoutSeconds: 60))
        return (logs.console, events.withLock { $0 })
    }

    @Test func aRangedAnswerIsParsedAsHTTPCDoes() {
        let logs = LogRecorder()
        let head = Array("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/5000\r\nContent-Length: 10\r\n\r\n0123".utf8)
        #expect(HTTPResponseHead.parse(head, knownFileSize: 0, logger: logs.logger("download_client"))
            == .head(HTTPResponseHead(length: head.count - 4, fileSize: 5000, connectionClose: false)))
        #expect(HTTPResponseHead.parse(Array(head.prefix(30)), knownFileSize: 0, logger: logs.logger("download_client")) == .incomplete)
        // Once the size is known, Content-Range is not needed (http.c:188).
        let later = Array("HTTP/1.1 206 Partial Content\r\nConnection: close\r\n\r\n".utf8)
        #expect(HTTPResponseHead.parse(later, knownFileSize: 5000, logger: logs.logger("download_client"))
            == .head(HTTPResponseHead(length: later.count, fileSize: nil, connectionClose: true)))
        #expect(logs.console == ["<wrn> download_client: Peer closed connection, will re-connect"])
    }

    /// http.c:146-195: the status line is logged lower-cased from the code on; a 200 to a ranged request and a 206
    /// without `Content-Range` are refused with their own lines.
    @Test(arguments: [
        ("HTTP/1.1 403 Server failed to authenticate the request.\r\nContent-Length: 0\r\n\r\n",
         "<err> download_client: Unexpected HTTP response: 403 server failed to authenticate the request.", Errno.EBADMSG),
        ("HTTP/1.1 404 The specified blob does not exist.\r\n\r\n",
         "<err> download_client: Unexpected HTTP response: 404 the specified blob does not exist.", Errno.EBADMSG),
        ("HTTP/1.1 503 Service Unavailable\r\n\r\n", "<err> download_client: Unexpected HTTP response: 503 service unavailable", Errno.EBADMSG),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", "<err> download_client: Server respond range not supported", Errno.ERANGE),
        ("HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\n",
         #"<err> download_client: Server did not send "Content-Range" in response"#, Errno.EBADMSG),
        ("HTTP/1.0 206 Partial Content\r\n\r\n", "<err> download_client: Server response missing HTTP/1.1", Errno.EBADMSG),
    ])
    func aRefusedAnswerIsLoggedAsHTTPCDoes(answer: String, line: String, errno: Int32) {
        let logs = LogRecorder()
        #expect(HTTPResponseHead.parse(Array(answer.utf8), knownFileSize: 0, logger: logs.logger("download_client")) == .refused(errno: errno))
        #expect(logs.console == [line])
    }

    /// download_client.c:940-943 refuses a fragment larger than CONFIG_DOWNLOAD_CLIENT_BUF_SIZE before anything
    /// starts; azure_fota.c:733-744 reports the error with the job and then forgets the job (fota_object cleared),
    /// which is not marked as attempted.
    @Test func aFragmentLargerThanTheBufferIsRefusedAtTheStart() throws {
        let logs = LogRecorder()
        let fota = try FOTATests.fota(currentVersion: "1.0.0", logs: logs)
        let events = Mutex<[AzureFOTA.Event]>([])
        #expect(fota.initialize { event in events.withLock { $0.append(event) } } == 0)
        let patch = #"{"firmware":{"fwVersion":"2.0.0","jobId":"job-7","fwLocation":{"host":"http://127.0.0.1:1","path":"fw.bin"},"fwFragmentSize":4096}}"#
        #expect(fota.msgProcess(Array(patch.utf8)) == -Errno.E2BIG)
        #expect(Self.inOrder([
            "<inf> azure_fota: Attempting to download firmware (version '2.0.0') from http://127.0.0.1:1/fw.bin",
            "<err> download_client: The configured fragment size is larger than buffer",
            "<err> azure_fota: Error (-7) when trying to start firmware download",
        ], logs.console))
        #expect(!logs.console.contains { $0.contains("Downloading:") })
        #expect(events.withLock { $0 } == [
            .error(report: #"{"firmware":{"fwUpdateStatus":"error","currentFwVersion":"1.0.0","pendingFwVersion":"2.0.0","jobId":"job-7"}}"#)
        ])
        #expect(fota.report() == #"{"firmware":{"fwUpdateStatus":"error","currentFwVersion":"1.0.0"}}"#)
        // Not attempted: the same job with a fragment that fits starts.
        let fits = patch.replacingOccurrences(of: "4096", with: "2048")
        #expect(fota.msgProcess(Array(fits.utf8)) == 1)
    }

    /// download_client_get() logs "Downloading:" synchronously (download_client.c:1004), before azure_fota's START
    /// (azure_fota.c:751-754); a refused connection then ends the download (download_client.c:346-356,
    /// fota_download.c:324-328).
    @Test func downloadingIsLoggedBeforeStartAndARefusedConnectionFails() throws {
        let logs = LogRecorder()
        let fota = try FOTATests.fota(currentVersion: "1.0.0", logs: logs)
        let atStart = Mutex<[String]>([])
        let ended = KSemaphore(initial: 0, limit: 1)
        #expect(fota.initialize { event in
            if case .start = event { atStart.withLock { $0 = logs.console } }
            if case .error = event { ended.give() }
        } == 0)
        let patch = #"{"firmware":{"fwVersion":"2.0.0","jobId":"j","fwLocation":{"host":"http://127.0.0.1:1","path":"fw.bin"},"fwFragmentSize":0}}"#
        #expect(fota.msgProcess(Array(patch.utf8)) == 1)
        #expect(atStart.withLock { $0 }.last == "<inf> download_client: Downloading: fw.bin [0]")
        #expect(ended.take(timeoutSeconds: 30))
        #expect(Self.inOrder([
            "<inf> download_client: Connecting to 127.0.0.1",
            "<err> download_client: Unable to connect, errno 111",
            "<err> fota_download: Download client failed to connect to server",
            "<err> azure_fota: FOTA download failed",
        ], logs.console))
        #expect(!logs.console.contains { $0.contains("retries left") })
    }

    /// fwFragmentSize 0 is CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE (http.c:70-75): 2048-byte ranges.
    @Test func fragmentSizeZeroMeansTheKconfigFragment() throws {
        let server = try CuttingBlobServer(file: Self.mcubootLike(10000))
        defer { server.stop() }
        let (console, events) = try Self.download(from: server, fragmentSize: 0)
        #expect(console.filter { $0.hasPrefix("<inf> download_client: Downloaded ") } == [
            "<inf> download_client: Downloaded 2048/10000 bytes (20%)", "<inf> download_client: Downloaded 4096/10000 bytes (40%)",
            "<inf> download_client: Downloaded 6144/10000 bytes (61%)", "<inf> download_client: Downloaded 8192/10000 bytes (81%)",
            "<inf> download_client: Downloaded 10000/10000 bytes (100%)",
        ])
        #expect(Self.inOrder([
            "<inf> download_client: Download complete",
            "<inf> dfu_target_mcuboot: MCUBoot image-0 upgrade scheduled. Reset device to apply",
        ], console))
        #expect(events.last.map { if case .done = $0 { true } else { false } } == true)
        // Not on a board, and only at debug level: why MCUboot will refuse it (this board has no signing key).
        #expect(console.contains {
            $0.hasPrefix("<dbg> dfu_target_mcuboot: MCUboot will refuse this image at the next boot: ")
        })
        #expect(!console.contains { $0.hasPrefix("<err> dfu_target_mcuboot") })
    }

    /// fota_download.c:316-340: CONFIG_FOTA_SOCKET_RETRIES (2) retries for the whole download, each after
    /// download_client's "Peer closed connection!" (download_client.c:658-660); the third drop fails it, even
    /// though every connection brought new bytes.
    @Test func retriesAreCountedOncePerDownload() throws {
        let server = try CuttingBlobServer(file: Self.mcubootLike(10000), cut: 1000)
        defer { server.stop() }
        let (console, events) = try Self.download(from: server)
        #expect(Self.inOrder([
            "<inf> download_client: Downloading: fw.bin [0]",
            "<wrn> download_client: Peer closed connection!",
            "<wrn> fota_download: Download socket error. 2 retries left...",
            "<inf> download_client: Reconnecting...",
            "<wrn> download_client: Peer closed connection!",
            "<wrn> fota_download: Download socket error. 1 retries left...",
            "<inf> download_client: Reconnecting...",
            "<wrn> download_client: Peer closed connection!",
            "<err> fota_download: Download client error",
            "<inf> dfu_target_mcuboot: MCUBoot image upgrade aborted.",
            "<inf> dfu_target_mcuboot: MCUBoot image upgrade aborted.",
            "<err> azure_fota: FOTA download failed",
        ], console), "\(console)")
        #expect(console.filter { $0.contains("retries left") }.count == 2)
        #expect(!console.contains { $0.contains("Downloaded ") })  // no fragment was ever whole
        #expect(server.connections.withLock { $0 } == 3)
        #expect(events.last.map { if case .error = $0 { true } else { false } } == true)
    }

    /// dfu_target.c:69 and fota_download.c:189-192 refuse a first fragment without MCUboot's magic, and the client
    /// stops (download_client.c:731-735).
    @Test func aFileThatIsNoMCUbootImageIsRefusedAtItsFirstFragment() throws {
        let server = try CuttingBlobServer(file: [UInt8](repeating: 0x42, count: 10000))
        defer { server.stop() }
        let (console, _) = try Self.download(from: server)
        #expect(Self.inOrder([
            "<inf> download_client: Downloaded 2048/10000 bytes (20%)",
            "<err> dfu_target: No supported image type found",
            "<err> fota_download: Unknown image type",
            "<inf> download_client: Fragment refused, download stopped.",
            "<err> azure_fota: FOTA download failed",
        ], console), "\(console)")
        #expect(console.filter { $0.contains("Downloaded ") }.count == 1)
    }

    /// dfu_target_mcuboot.c:129-132 and fota_download.c:201-203: the size is known from the first fragment.
    @Test func aFileLargerThanTheSlotIsRefusedAtItsFirstFragment() throws {
        let server = try CuttingBlobServer(file: Self.mcubootLike(10000))
        defer { server.stop() }
        let (console, _) = try Self.download(from: server, slotSize: 0x1000)
        #expect(Self.inOrder([
            "<inf> download_client: Downloaded 2048/10000 bytes (20%)",
            "<err> dfu_target_mcuboot: Requested file too big to fit in flash 10000 > 0x1000",
            "<err> fota_download: Image too big",
            "<inf> dfu_target_mcuboot: MCUBoot image upgrade aborted.",
            "<inf> download_client: Fragment refused, download stopped.",
            "<err> azure_fota: FOTA download failed",
        ], console), "\(console)")
    }
}
