import Foundation
import Logging
import PTY
import Testing
@testable import VirtualModem

#if canImport(Glibc)
import Glibc
#endif

/// The UART front end over a real pseudo-terminal: framing, replies, and the idle timeout on unbalanced quotes.
@Suite("Modem UART on a pseudo-terminal")
struct ModemTerminalTests {
    /// Opens the replica like a client and returns a reader that waits for a final result code.
    private func withTerminal(_ body: (Int32, ModemTerminal) throws -> Void) async throws {
        let pty = try PseudoTerminal()
        let terminal = ModemTerminal(
            modem: makeModem(), pty: pty, idleTimeout: .milliseconds(200),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        terminal.start()
        let client = open(pty.replicaPath, O_RDWR | O_NOCTTY)
        #expect(client >= 0)
        defer {
            close(client)
            terminal.stop()
        }
        try body(client, terminal)
        terminal.stop()
        await terminal.run()
        pty.close()
    }

    private func send(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private func readReply(_ fd: Int32, timeout: Double = 3) -> String {
        var reply = ""
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 50) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = read(fd, &buffer, buffer.count)
                if count > 0 { reply += String(decoding: buffer.prefix(count), as: UTF8.self) }
                if reply.hasSuffix("OK\r\n") || reply.hasSuffix("ERROR\r\n") { return reply }
            }
        }
        return reply
    }

    @Test("commands split across writes and certificates with raw newlines get one reply each")
    func framing() async throws {
        try await self.withTerminal { client, _ in
            self.send(client, "\r\nA")
            self.send(client, "T+CGMM\r\n")
            #expect(self.readReply(client) == "nRF9160-SICA\r\nOK\r\n")
            self.send(client, "AT%CMNG=0,1,0,\"line1\nline2\r\n\"\r\n")
            #expect(self.readReply(client) == "OK\r\n")
            self.send(client, "AT%CMNG=2,1,0\r")
            #expect(self.readReply(client).hasSuffix(",\"line1\nline2\r\n\"\r\nOK\r\n"))
        }
    }

    @Test("an unbalanced quote is dropped after the idle timeout and the port keeps working")
    func idleTimeout() async throws {
        try await self.withTerminal { client, _ in
            self.send(client, "AT%CMNG=0,1,0,\"never closed\r\n")
            Thread.sleep(forTimeInterval: 0.5)
            self.send(client, "AT\r\n")
            #expect(self.readReply(client) == "OK\r\n")
        }
    }

    @Test("a client that writes without reading is held back by flow control, and every command gets its reply")
    func flowControl() async throws {
        try await self.withTerminal { client, terminal in
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            let commands = Array(repeating: Array("AT\r".utf8), count: 1024).flatMap { $0 }
            let limit = 2 * 1024 * 1024
            var written = 0
            var unsent = commands[...]
            // Writes until 2 MiB are sent, or the pty stays full for a second: the modem stopped reading.
            while written < limit {
                let count = unsent.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                if count > 0 {
                    written += count
                    unsent = unsent.dropFirst(count)
                    if unsent.isEmpty { unsent = commands[...] }
                    continue
                }
                var descriptor = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, 1000) == 0 { break }
            }
            #expect(written < limit, "the modem read all \(written) bytes although no reply was read")
            let sent = written / 3
            var replies = 0
            var oks = 0
            var tail: [UInt8] = []
            let deadline = Date().addingTimeInterval(60)
            while replies < sent, Date() < deadline {
                var descriptor = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 100) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = read(client, &buffer, buffer.count)
                guard count > 0 else { continue }
                for byte in buffer.prefix(count) {
                    tail.append(byte)
                    guard byte == UInt8(ascii: "\n") else { continue }
                    replies += 1
                    if tail == Array("OK\r\n".utf8) { oks += 1 }
                    tail.removeAll(keepingCapacity: true)
                }
            }
            #expect(replies == sent && oks == sent, "\(sent) commands, \(replies) replies, \(oks) OK")
            #expect(terminal.peakPendingReplies <= ModemTerminal.replyBound + 4)
        }
    }
}
