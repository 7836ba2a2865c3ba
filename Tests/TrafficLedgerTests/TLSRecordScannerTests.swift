import Testing

@testable import TrafficLedger

@Suite("TLS record headers and the ServerHello's suite, framed from byte fixtures")
struct TLSRecordScannerTests {
    typealias Record = TLSRecordScanner.Record

    /// A TLS 1.2 ServerHello record choosing `suite`, with a 32-byte session id, and its record header.
    static func serverHello(suite: UInt16) -> [UInt8] {
        let body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0xAB, count: 32) + [32] + [UInt8](repeating: 0xCD, count: 32)
            + [UInt8(suite >> 8), UInt8(suite & 0xFF), 0x00, 0x00, 0x00]
        let message: [UInt8] = [0x02, 0x00, 0x00, UInt8(body.count)] + body
        return [0x16, 0x03, 0x03, 0x00, UInt8(message.count)] + message
    }

    /// A TLS 1.2 full handshake's client side as a Python client sends it, then application data and an alert:
    /// ClientHello (record version 3.1), Certificate, ClientKeyExchange, ChangeCipherSpec, Finished, two
    /// application-data records, close_notify.
    static let tls12: [UInt8] =
        record(22, 0x0301, 157) + record(22, 0x0303, 7) + record(22, 0x0303, 37) + record(20, 0x0303, 1) + record(22, 0x0303, 40)
        + record(23, 0x0303, 60) + record(23, 0x0303, 29) + record(21, 0x0303, 26)

    static let tls12Records = [
        Record(type: .handshake, version: 0x0301, length: 157), Record(type: .handshake, version: 0x0303, length: 7),
        Record(type: .handshake, version: 0x0303, length: 37), Record(type: .changeCipherSpec, version: 0x0303, length: 1),
        Record(type: .handshake, version: 0x0303, length: 40), Record(type: .applicationData, version: 0x0303, length: 60),
        Record(type: .applicationData, version: 0x0303, length: 29), Record(type: .alert, version: 0x0303, length: 26),
    ]

    /// TLS 1.3's client side: ClientHello, the middlebox-compatibility ChangeCipherSpec, then everything encrypted
    /// under the outer type application_data (Finished, data), record version 3.3 throughout.
    static let tls13: [UInt8] = record(22, 0x0301, 512) + record(20, 0x0303, 1) + record(23, 0x0303, 53) + record(23, 0x0303, 19)

    static func record(_ type: UInt8, _ version: UInt16, _ length: Int) -> [UInt8] {
        [type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)]
            + (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    }

    /// Scans `chunks`, one read each, with one scanner. - Returns: the records, and the scanner after them.
    static func scan(_ chunks: [[UInt8]]) throws(TLSRecordError) -> ([Record], TLSRecordScanner) {
        var scanner = TLSRecordScanner()
        var records: [Record] = []
        for chunk in chunks { try scan(chunk, with: &scanner) { records.append($0) } }
        return (records, scanner)
    }

    static func scan(_ chunk: [UInt8], with scanner: inout TLSRecordScanner, _ record: (Record) -> Void) throws(TLSRecordError) {
        let failure = chunk.withUnsafeBytes { bytes -> TLSRecordError? in
            do throws(TLSRecordError) {
                try scanner.scan(bytes, record)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    // MARK: Framing

    @Test("several records in one read: each, in order, with type, version and length")
    func severalInOneRead() throws {
        let (records, scanner) = try Self.scan([Self.tls12])
        #expect(records == Self.tls12Records)
        #expect(records.reduce(0) { $0 + $1.wireBytes } == Self.tls12.count)
        #expect(scanner.pendingBytes == 0)
    }

    @Test("records split across reads at every byte: the same records, each when its last byte comes")
    func splitAtEveryByte() throws {
        let (records, _) = try Self.scan(Self.tls12.map { [$0] })
        #expect(records == Self.tls12Records)
        for cut in 0...Self.tls12.count {
            let (split, scanner) = try Self.scan([Array(Self.tls12[..<cut]), Array(Self.tls12[cut...])])
            #expect(split == Self.tls12Records, "cut at \(cut)")
            #expect(scanner.pendingBytes == 0, "cut at \(cut)")
        }
    }

    @Test("a ServerHello and the records after it, cut anywhere: every record, and the suite")
    func serverHelloCutAnywhere() throws {
        let stream = Self.serverHello(suite: 0xC02B) + Self.record(20, 0x0303, 1) + Self.record(22, 0x0303, 40)
            + Self.record(23, 0x0303, 300) + Self.record(21, 0x0303, 26)
        for cut in 0...stream.count {
            let (records, scanner) = try Self.scan([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(records.map(\.type) == [.handshake, .changeCipherSpec, .handshake, .applicationData, .alert], "cut at \(cut)")
            #expect(records.map(\.wireBytes).reduce(0, +) == stream.count)
            #expect(scanner.cipherSuite == 0xC02B, "cut at \(cut)")
            #expect(scanner.pendingBytes == 0)
        }
    }

    @Test("a ServerHello and a long record, a byte at a time")
    func aByteAtATime() throws {
        let stream = Self.serverHello(suite: 0xCCA9) + Self.record(23, 0x0303, 70000 & 0xFFFF)
        let (records, scanner) = try Self.scan(stream.map { [$0] })
        #expect(records.map(\.length) == [76, 4464])
        #expect(scanner.cipherSuite == 0xCCA9)
    }

    @Test("a record not yet complete is not reported; its bytes so far are pending")
    func partial() throws {
        let (records, scanner) = try Self.scan([Array(Self.tls13[..<500])])
        #expect(records == [])
        #expect(scanner.pendingBytes == 500)
        let (one, next) = try Self.scan([Array(Self.tls13[..<520])])  // the ClientHello and 3 bytes of the next header
        #expect(one.map(\.wireBytes) == [517] && next.pendingBytes == 3)
        let (header, afterHeader) = try Self.scan([Array(Self.tls13[..<3])])
        #expect(header == [] && afterHeader.pendingBytes == 3)
        let (body, afterBody) = try Self.scan([Array(Self.record(23, 0x0303, 100).prefix(60))])
        #expect(body == [] && afterBody.pendingBytes == 60)
    }

    @Test("TLS 1.3: ClientHello, ChangeCipherSpec, then application-data-typed records (the encrypted Finished too)")
    func tls13Records() throws {
        let (records, scanner) = try Self.scan([Array(Self.tls13[..<600]), Array(Self.tls13[600...])])
        #expect(records.map(\.type) == [.handshake, .changeCipherSpec, .applicationData, .applicationData])
        #expect(records.map(\.wireBytes) == [517, 6, 58, 24])
        #expect(scanner.cipherSuite == nil)
    }

    @Test("a zero-length record is a record")
    func empty() throws {
        let (records, _) = try Self.scan([Self.record(23, 0x0303, 0) + Self.record(21, 0x0303, 2)])
        #expect(records.map(\.length) == [0, 2])
    }

    // MARK: Bytes that are not TLS

    @Test("bytes that are not TLS: the header is refused with what is wrong and where")
    func notTLS() {
        #expect(throws: TLSRecordError.contentType(0x10, offset: 0)) { try Self.scan([[0x10, 0x03, 0x03, 0x00, 0x01, 0x00]]) }
        #expect(throws: TLSRecordError.version(0x0203, offset: 6)) { try Self.scan([Self.record(20, 0x0303, 1) + [22, 0x02, 0x03, 0, 1, 0]]) }
        #expect(throws: TLSRecordError.version(0x0305, offset: 0)) { try Self.scan([[23, 0x03, 0x05, 0x00, 0x01]]) }
        #expect(throws: TLSRecordError.length(0x5000, offset: 0)) { try Self.scan([[23, 0x03, 0x03, 0x50, 0x00]]) }
        #expect(
            TLSRecordError.contentType(0x68, offset: 12).description == "a TLS record header at byte 12 has content type 104 (not 20-24)")
    }

    @Test("a bad header's offset is in the stream, wherever the reads cut it")
    func badHeaderOffsetAcrossReads() {
        let stream = Self.record(22, 0x0303, 7) + Self.record(23, 0x0303, 3) + [0x17, 0x02, 0x00, 0x00, 0x01, 0x00]
        for cut in 0...stream.count {
            #expect(throws: TLSRecordError.version(0x0200, offset: 20), "cut at \(cut)") {
                try Self.scan([Array(stream[..<cut]), Array(stream[cut...])])
            }
        }
    }

    @Test("the records before a bad header are reported; after it the scanner refuses every read")
    func stopsAtTheBadHeader() {
        var scanner = TLSRecordScanner()
        var records: [Record] = []
        #expect(throws: TLSRecordError.contentType(0x68, offset: 10)) {
            try Self.scan(Self.record(23, 0x0303, 5) + Array("hello".utf8), with: &scanner) { records.append($0) }
        }
        #expect(records == [Record(type: .applicationData, version: 0x0303, length: 5)])
        #expect(scanner.failure == .contentType(0x68, offset: 10))
        #expect(throws: TLSRecordError.contentType(0x68, offset: 10)) {
            try Self.scan(Self.record(23, 0x0303, 1), with: &scanner) { records.append($0) }
        }
        #expect(records.count == 1)
    }

    // MARK: The cipher suite

    @Test("a ClientHello has no suite")
    func aClientHelloHasNoSuite() throws {
        var hello = Self.serverHello(suite: 0xC02B)
        hello[5] = 0x01
        let (records, scanner) = try Self.scan([hello])
        #expect(records.count == 1)
        #expect(scanner.cipherSuite == nil)
    }

    @Test("a ServerHello split across two handshake records still gives its suite")
    func aServerHelloInTwoRecords() throws {
        let hello = Self.serverHello(suite: 0x1301)
        let message = Array(hello[5...])
        let stream = [0x16, 0x03, 0x03, 0x00, 30] + message[..<30] + [0x16, 0x03, 0x03, 0x00, UInt8(message.count - 30)] + message[30...]
        let (records, scanner) = try Self.scan([stream])
        #expect(records.map(\.length) == [30, message.count - 30])
        #expect(scanner.cipherSuite == 0x1301)
    }

    @Test("only the first handshake message is read for a suite")
    func onlyTheFirstHandshakeMessage() throws {
        var client = Self.serverHello(suite: 0xC02B)
        client[5] = 0x01
        let (_, scanner) = try Self.scan([client + Self.serverHello(suite: 0xC02F)])
        #expect(scanner.cipherSuite == nil)
    }

    @Test func overheadOfTheSuitesTheModemOffers() {
        #expect(TLSRecordScanner.protectionOverhead(suite: 0xC02B) == 24)  // ECDHE-ECDSA-AES128-GCM-SHA256
        #expect(TLSRecordScanner.protectionOverhead(suite: 0xCCA9) == 16)  // ECDHE-ECDSA-CHACHA20-POLY1305
        #expect(TLSRecordScanner.protectionOverhead(suite: 0x1301) == 17)  // TLS_AES_128_GCM_SHA256
        #expect(TLSRecordScanner.protectionOverhead(suite: 0xC023) == nil)  // ECDHE-ECDSA-AES128-SHA256 (CBC)
    }
}
