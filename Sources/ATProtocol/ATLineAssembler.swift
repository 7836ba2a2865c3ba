/// Assembles AT command lines from a byte stream the way the nRF Connect SDK AT Host library does
/// (`lib/at_host/at_host.c`, `uart_rx_handler`).
///
/// - `0x08` (BS) and `0x7F` (DEL) remove the last buffered byte.
/// - Outside double quotes, CR, LF and NUL terminate a command. Inside quotes they are data, so certificate bodies
///   with raw LF or CRLF arrive intact.
/// - A command with no printable, non-blank byte is dropped without a reply (the tools' initial `\r\n`, the LF of CRLF).
/// - A command longer than ``maximumLength`` is discarded whole and reported as ``Output/overflow`` at its terminator.
public struct ATLineAssembler: Sendable {
    /// What the assembler produced for one input byte.
    public enum Output: Equatable, Sendable {
        /// A complete command line, without its terminator.
        case command([UInt8])
        /// A command that exceeded ``ATLineAssembler/maximumLength`` ended; it was discarded.
        case overflow(length: Int)
    }

    /// The AT Host library's default and maximum buffer, less one byte for the terminator.
    public static let defaultMaximumLength = 4095

    public let maximumLength: Int
    private var buffer: [UInt8] = []
    private var insideQuotes = false
    private var droppedBytes = 0

    public init(maximumLength: Int = ATLineAssembler.defaultMaximumLength) {
        precondition(maximumLength > 0)
        self.maximumLength = maximumLength
        self.buffer.reserveCapacity(256)
    }

    /// Whether bytes of an unterminated command are buffered.
    public var hasPartialCommand: Bool { !self.buffer.isEmpty || self.droppedBytes > 0 }

    /// Discards an unterminated command (for example after an idle timeout on an unbalanced quote).
    /// - Returns: how many bytes were discarded.
    @discardableResult
    public mutating func discardPartialCommand() -> Int {
        let count = self.buffer.count + self.droppedBytes
        self.reset()
        return count
    }

    /// Feeds one byte.
    /// - Returns: a finished command or overflow notice, or nil while a command is still being assembled.
    public mutating func feed(_ byte: UInt8) -> Output? {
        switch byte {
        case 0x08, 0x7F:
            if self.droppedBytes > 0 {
                self.droppedBytes -= 1
            } else if let removed = self.buffer.popLast(), removed == UInt8(ascii: "\"") {
                self.insideQuotes.toggle()
            }
            return nil
        case UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x00:
            if !self.insideQuotes {
                return self.terminate()
            }
            self.append(byte)
            return nil
        default:
            if byte == UInt8(ascii: "\"") {
                self.insideQuotes.toggle()
            }
            self.append(byte)
            return nil
        }
    }

    private mutating func append(_ byte: UInt8) {
        if self.droppedBytes > 0 || self.buffer.count >= self.maximumLength {
            self.droppedBytes += 1
        } else {
            self.buffer.append(byte)
        }
    }

    /// Feeds many bytes, collecting every output in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Output] {
        var outputs: [Output] = []
        for byte in bytes {
            if let output = self.feed(byte) {
                outputs.append(output)
            }
        }
        return outputs
    }

    private mutating func terminate() -> Output? {
        defer { self.reset() }
        if self.droppedBytes > 0 {
            return .overflow(length: self.buffer.count + self.droppedBytes)
        }
        guard self.buffer.contains(where: { $0 > 0x20 && $0 != 0x7F }) else {
            return nil
        }
        return .command(self.buffer)
    }

    private mutating func reset() {
        self.buffer.removeAll(keepingCapacity: true)
        self.insideQuotes = false
        self.droppedBytes = 0
    }
}
