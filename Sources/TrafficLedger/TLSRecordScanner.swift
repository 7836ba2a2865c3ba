/// Reads the TLS record layer of one direction of a connection without decrypting it: each record's content type and
/// length (RFC 5246 §6.2.1, RFC 8446 §5.1), and the cipher suite of a ServerHello (RFC 5246 §7.4.1.3), which fixes
/// how many bytes of each protected record are not plaintext.
///
/// Feed it the bytes in order, split anywhere. Pure: no I/O.
public struct TLSRecordScanner: Sendable {
    /// A TLS record's content type.
    public enum ContentType: UInt8, Sendable {
        case changeCipherSpec = 20
        case alert = 21
        case handshake = 22
        case applicationData = 23
    }

    /// One whole record.
    public struct Record: Sendable, Equatable {
        /// nil for a content type TLS does not define (the stream is then not TLS).
        public var type: ContentType?
        /// The body's length (the header's length field).
        public var length: Int
        /// The record on the wire: 5 header bytes and the body.
        public var wireBytes: Int { Self.headerLength + self.length }

        public static let headerLength = 5

        public init(type: ContentType?, length: Int) {
            self.type = type
            self.length = length
        }
    }

    /// The ServerHello's cipher suite, once one has gone by.
    public private(set) var cipherSuite: UInt16?
    private var header: [UInt8] = []
    /// The record being read: its type, its length and what of its body is still to come.
    private var current: (type: UInt8, length: Int, remaining: Int)?
    /// The first bytes of the first handshake record's body, until the ServerHello's cipher suite can be read.
    private var helloPrefix: [UInt8] = []
    private var helloDone = false

    /// A ServerHello's cipher suite sits at most this far into its handshake message: type (1), length (3), version
    /// (2), random (32), session id (1 + up to 32), suite (2).
    private static let helloPrefixLimit = 1 + 3 + 2 + 32 + 1 + 32 + 2

    public init() {}

    /// Bytes of an unfinished record (its header or body so far).
    public var pendingBytes: Int {
        guard let current else { return self.header.count }
        return Record.headerLength + current.length - current.remaining
    }

    /// Scans `bytes`, the next bytes of the stream. - Returns: the records they complete, in order.
    public mutating func scan(_ bytes: some Collection<UInt8>) -> [Record] {
        var records: [Record] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if var body = self.current {
                let available = bytes.distance(from: index, to: bytes.endIndex)
                let take = min(available, body.remaining)
                let end = bytes.index(index, offsetBy: take)
                if body.type == ContentType.handshake.rawValue, !self.helloDone {
                    self.readHello(bytes[index..<end])
                }
                body.remaining -= take
                index = end
                if body.remaining == 0 {
                    records.append(Record(type: ContentType(rawValue: body.type), length: body.length))
                    self.current = nil
                } else {
                    self.current = body
                }
                continue
            }
            self.header.append(bytes[index])
            index = bytes.index(after: index)
            guard self.header.count == Record.headerLength else { continue }
            let length = Int(self.header[3]) << 8 | Int(self.header[4])
            let type = self.header[0]
            self.header = []
            if length == 0 {
                records.append(Record(type: ContentType(rawValue: type), length: 0))
            } else {
                self.current = (type, length, length)
            }
        }
        return records
    }

    /// Collects the start of the first handshake body; reads the suite when it is a ServerHello (type 2).
    private mutating func readHello(_ bytes: some Collection<UInt8>) {
        let room = Self.helloPrefixLimit - self.helloPrefix.count
        self.helloPrefix.append(contentsOf: bytes.prefix(room))
        let prefix = self.helloPrefix
        guard let first = prefix.first else { return }
        guard first == 2 else {
            // A ClientHello or anything else: this direction carries no ServerHello.
            self.helloDone = true
            return
        }
        let sessionIDLengthAt = 1 + 3 + 2 + 32
        guard prefix.count > sessionIDLengthAt else { return }
        let suiteAt = sessionIDLengthAt + 1 + Int(prefix[sessionIDLengthAt])
        guard prefix.count >= suiteAt + 2 else { return }
        self.cipherSuite = UInt16(prefix[suiteAt]) << 8 | UInt16(prefix[suiteAt + 1])
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
