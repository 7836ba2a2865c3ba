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
    private func withTerminal(_ body: (Int32) throws -> Void) async throws {
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
        try body(client)
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
        try await self.withTerminal { client in
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
        try await self.withTerminal { client in
            self.send(client, "AT%CMNG=0,1,0,\"never closed\r\n")
            Thread.sleep(forTimeInterval: 0.5)
            self.send(client, "AT\r\n")
            #expect(self.readReply(client) == "OK\r\n")
        }
    }
}
