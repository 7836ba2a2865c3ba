/// Frames one direction of a TLS connection into records by their 5-byte headers (RFC 8446 §5.1, RFC 5246 §6.2.1):
/// content type, legacy record version, 2-byte length; nothing is decrypted. It also reads the cipher suite of a
/// ServerHello (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3), which fixes how many bytes of each protected record are not
/// plaintext (``protectionOverhead(suite:)``).
///
/// Feed it the bytes in order, split anywhere, any number of records per read; it keeps what a header or a body
/// split across reads left. A header that is not TLS stops it for good (``TLSRecordError``). Pure: no I/O. The
/// device-side relay's ``WireCounter`` and the hub emulator's traffic meter both use it.
public struct TLSRecordScanner: Sendable {
    /// A TLS record's content type (RFC 8446 §5.1; heartbeat: RFC 6520 §2).
    public enum ContentType: UInt8, Sendable {
        case changeCipherSpec = 20
        case alert = 21
        case handshake = 22
        case applicationData = 23
        case heartbeat = 24
    }

    /// One record's header: its content type, its record layer version and the length of the fragment after it.
    public struct Record: Sendable, Equatable {
        public var type: ContentType
        /// The legacy record version, 0x0301-0x0304 (TLS 1.3 writes 0x0303, its ClientHello may write 0x0301).
        public var version: UInt16
        /// The fragment's length (the header's length field).
        public var length: Int

        /// The record on the wire: 5 header bytes and the fragment.
        public var wireBytes: Int { Self.headerLength + self.length }

        public static let headerLength = 5

        public init(type: ContentType, version: UInt16 = 0x0303, length: Int) {
            (self.type, self.version, self.length) = (type, version, length)
        }
    }

    /// The longest fragment a record may carry: 2^14 + 2048 (TLS 1.2's TLSCiphertext bound, RFC 5246 §6.2.3; TLS 1.3's
    /// is smaller, 2^14 + 256).
    public static let maximumLength = 16384 + 2048

    /// The ServerHello's cipher suite, once one has gone by.
    public private(set) var cipherSuite: UInt16?
    /// Why the stream stopped being framed; every later ``scan(_:_:)`` throws it again.
    public private(set) var failure: TLSRecordError?

    /// The bytes of a header split across reads so far, big-endian, and how many there are.
    private var partialHeader: UInt64 = 0
    private var partialCount = 0
    /// The record whose fragment is being read, and how many of its bytes are still to come.
    private var current: Record?
    private var remaining = 0
    /// Bytes of the stream before the current read.
    private var offset = 0

    /// The first bytes of the handshake stream, until the ServerHello's cipher suite can be read from them or they
    /// are known to hold none. Only the first handshake records are read for it (the ServerHello is the first
    /// handshake message; it may be split across records, RFC 5246 §6.2.1).
    private var helloPrefix: [UInt8] = []
    private var helloDone = false

    /// A ServerHello's cipher suite sits at most this far into its handshake message: type (1), length (3), version
    /// (2), random (32), session id (1 + up to 32), suite (2).
    private static let helloPrefixLimit = 1 + 3 + 2 + 32 + 1 + 32 + 2

    public init() {}

    /// Bytes of a record begun but not complete (its header or fragment so far).
    public var pendingBytes: Int {
        self.current.map { $0.wireBytes - self.remaining } ?? self.partialCount
    }

    /// Reads `bytes`, the next bytes of the stream; `record` is called for each record whose last byte is among them,
    /// in order (those before a bad header too).
    /// - Throws: when a header is not TLS (a content type outside 20-24, a version not 3.x, a length over
    ///   ``maximumLength``), naming it and its offset in the stream; the stream cannot be framed after that.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer, _ record: (Record) -> Void) throws(TLSRecordError) {
        if let failure = self.failure { throw failure }
        var index = 0
        let count = bytes.count
        defer { self.offset += index }
        while index < count {
            if let current = self.current {
                let take = min(self.remaining, count - index)
                if current.type == .handshake, !self.helloDone { self.readHello(bytes[index..<index + take]) }
                index += take
                self.remaining -= take
                if self.remaining == 0 {
                    self.current = nil
                    record(current)
                }
                continue
            }
            // A header: straight from the buffer when it is all there, else gathered.
            if self.partialCount == 0, count - index >= Record.headerLength {
                try self.begin(
                    bytes[index], bytes[index + 1], bytes[index + 2], bytes[index + 3], bytes[index + 4], at: self.offset + index, record)
                index += Record.headerLength
                continue
            }
            self.partialHeader = self.partialHeader << 8 | UInt64(bytes[index])
            self.partialCount += 1
            index += 1
            if self.partialCount == Record.headerLength {
                let h = self.partialHeader
                (self.partialHeader, self.partialCount) = (0, 0)
                try self.begin(
                    UInt8(truncatingIfNeeded: h >> 32), UInt8(truncatingIfNeeded: h >> 24), UInt8(truncatingIfNeeded: h >> 16),
                    UInt8(truncatingIfNeeded: h >> 8), UInt8(truncatingIfNeeded: h), at: self.offset + index - Record.headerLength, record)
            }
        }
    }

    private mutating func begin(
        _ type: UInt8, _ major: UInt8, _ minor: UInt8, _ high: UInt8, _ low: UInt8, at offset: Int, _ record: (Record) -> Void
    ) throws(TLSRecordError) {
        let version = UInt16(major) << 8 | UInt16(minor)
        let length = Int(high) << 8 | Int(low)
        guard let contentType = ContentType(rawValue: type) else { throw self.fail(.contentType(type, offset: offset)) }
        guard major == 3, minor <= 4 else { throw self.fail(.version(version, offset: offset)) }
        guard length <= Self.maximumLength else { throw self.fail(.length(length, offset: offset)) }
        let header = Record(type: contentType, version: version, length: length)
        if length == 0 {
            record(header)
        } else {
            self.current = header
            self.remaining = length
        }
    }

    private mutating func fail(_ error: TLSRecordError) -> TLSRecordError {
        self.failure = error
        return error
    }

    /// Collects the start of the handshake stream; reads the suite when it is a ServerHello (type 2).
    private mutating func readHello(_ bytes: Slice<UnsafeRawBufferPointer>) {
        let room = Self.helloPrefixLimit - self.helloPrefix.count
        self.helloPrefix.append(contentsOf: bytes.prefix(room))
        guard let first = self.helloPrefix.first else { return }
        guard first == 2 else {
            // A ClientHello or anything else: this direction carries no ServerHello.
            self.finishHello()
            return
        }
        let sessionIDLengthAt = 1 + 3 + 2 + 32
        guard self.helloPrefix.count > sessionIDLengthAt else { return }
        let suiteAt = sessionIDLengthAt + 1 + Int(self.helloPrefix[sessionIDLengthAt])
        guard self.helloPrefix.count >= suiteAt + 2 else {
            // A session id longer than 32 bytes is no ServerHello's.
            if self.helloPrefix.count == Self.helloPrefixLimit { self.finishHello() }
            return
        }
        self.cipherSuite = UInt16(self.helloPrefix[suiteAt]) << 8 | UInt16(self.helloPrefix[suiteAt + 1])
        self.finishHello()
    }

    private mutating func finishHello() {
        self.helloDone = true
        self.helloPrefix = []
    }

    /// Bytes of a protected record that are not plaintext beyond its 5-byte header, for `suite`: the explicit nonce
    /// and tag of TLS 1.2's AEAD suites (RFC 5288 §3: 8 + 16 for AES-GCM; RFC 6655 for AES-CCM; RFC 7905 §2: 16 for
    /// ChaCha20-Poly1305), the tag and inner content type of TLS 1.3 (RFC 8446 §5.2: 16 + 1). nil for CBC suites,
    /// whose padding varies per record.
    public static func protectionOverhead(suite: UInt16) -> Int? {
        switch suite {
        case 0x1301, 0x1302, 0x1303, 0x1304: return 17
        case 0x1305: return 9
        case 0x009C, 0x009D, 0x009E, 0x009F, 0x00A2, 0x00A3, 0x00A8, 0x00A9, 0xC02B, 0xC02C, 0xC02D, 0xC02E, 0xC02F,
            0xC030, 0xC031, 0xC032:
            return 24
        case 0xC09C, 0xC09D, 0xC09E, 0xC09F, 0xC0AC, 0xC0AD: return 24
        case 0xC0A0, 0xC0A1, 0xC0A2, 0xC0A3, 0xC0AE, 0xC0AF: return 16
        case 0xCCA8, 0xCCA9, 0xCCAA, 0xCCAB, 0xCCAC, 0xCCAD, 0xCCAE: return 16
        default: return nil
        }
    }
}
