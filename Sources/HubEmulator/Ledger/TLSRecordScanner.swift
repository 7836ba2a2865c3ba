/// Frames a TLS byte stream into records by their 5-byte headers (RFC 8446 §5.1, RFC 5246 §6.2.1): content type,
/// legacy record version, 2-byte length; nothing is decrypted. It keeps what a header split across reads left, so
/// bytes can be fed as they come, any number of records per read. Used by the traffic ledger below the TLS handler.
struct TLSRecordScanner {
    /// A record's header: the content type byte, the record layer version and the length of what follows it.
    struct Record: Equatable {
        var contentType: UInt8
        var version: UInt16
        var length: Int

        /// The header and the fragment: what the record costs on the wire.
        var wireSize: Int { Self.headerSize + self.length }

        static let headerSize = 5
    }

    static let changeCipherSpec: UInt8 = 20
    static let alert: UInt8 = 21
    static let handshake: UInt8 = 22
    static let applicationData: UInt8 = 23
    static let heartbeat: UInt8 = 24
    /// The longest fragment a record may carry: 2^14 + 2048 (TLS 1.2's TLSCiphertext bound, RFC 5246 §6.2.3; TLS 1.3's
    /// is smaller, 2^14 + 256).
    static let maximumLength = 16384 + 2048

    private var header: [UInt8] = []
    /// The record whose fragment is being read, and how many of its bytes are still to come.
    private var current: Record?
    private var remaining = 0

    /// Bytes of a record begun but not complete.
    var pendingBytes: Int {
        self.current.map { $0.wireSize - self.remaining } ?? self.header.count
    }

    /// Reads `bytes`; `record` is called for each record whose last byte is among them, in order.
    /// - Throws: when a header is not TLS (a content type outside 20-24, a version not 3.x, a length over the
    ///   bound); the stream cannot be framed after that.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, _ record: (Record) -> Void) throws(TLSRecordError) {
        var index = 0
        let count = bytes.count
        while index < count {
            if let current = self.current {
                let take = min(self.remaining, count - index)
                index += take
                self.remaining -= take
                if self.remaining == 0 {
                    self.current = nil
                    record(current)
                }
                continue
            }
            // A header: straight from the buffer when it is all there, else gathered.
            if self.header.isEmpty, count - index >= Record.headerSize {
                try self.begin(bytes[index], bytes[index + 1], bytes[index + 2], bytes[index + 3], bytes[index + 4], at: index, record)
                index += Record.headerSize
                continue
            }
            self.header.append(bytes[index])
            index += 1
            if self.header.count == Record.headerSize {
                let h = self.header
                self.header.removeAll(keepingCapacity: true)
                try self.begin(h[0], h[1], h[2], h[3], h[4], at: index - Record.headerSize, record)
            }
        }
    }

    private mutating func begin(_ type: UInt8, _ major: UInt8, _ minor: UInt8, _ high: UInt8, _ low: UInt8, at offset: Int, _ record: (Record) -> Void) throws(TLSRecordError) {
        guard (Self.changeCipherSpec...Self.heartbeat).contains(type) else { throw .contentType(type, offset: offset) }
        guard major == 3, minor <= 4 else { throw .version(UInt16(major) << 8 | UInt16(minor), offset: offset) }
        let length = Int(high) << 8 | Int(low)
        guard length <= Self.maximumLength else { throw .length(length, offset: offset) }
        let header = Record(contentType: type, version: UInt16(major) << 8 | UInt16(minor), length: length)
        if length == 0 {
            record(header)
        } else {
            self.current = header
            self.remaining = length
        }
    }
}

/// A byte stream that is not TLS records; `offset` is where the header starts in the read that held its first byte
/// (or that completed it, for a header split across reads).
enum TLSRecordError: Error, Equatable, CustomStringConvertible {
    case contentType(UInt8, offset: Int)
    case version(UInt16, offset: Int)
    case length(Int, offset: Int)

    var description: String {
        switch self {
        case .contentType(let type, let offset): "a TLS record header at byte \(offset) has content type \(type) (not 20-24)"
        case .version(let version, let offset): "a TLS record header at byte \(offset) has version 0x\(String(version, radix: 16)) (not 3.x)"
        case .length(let length, let offset): "a TLS record header at byte \(offset) has length \(length) (over \(TLSRecordScanner.maximumLength))"
        }
    }
}
