import Testing

@testable import HubEmulator

@Suite("TLS record headers, framed from byte fixtures")
struct TLSRecordScannerTests {
    typealias Record = TLSRecordScanner.Record

    /// A TLS 1.2 full handshake's client side as a Python client sends it, then application data and an alert:
    /// ClientHello (record version 3.1), Certificate, ClientKeyExchange, ChangeCipherSpec, Finished, two
    /// application-data records, close_notify.
    static let tls12: [UInt8] =
        record(22, 0x0301, 157) + record(22, 0x0303, 7) + record(22, 0x0303, 37) + record(20, 0x0303, 1) + record(22, 0x0303, 40)
        + record(23, 0x0303, 60) + record(23, 0x0303, 29) + record(21, 0x0303, 26)

    /// TLS 1.3's client side: ClientHello, the middlebox-compatibility ChangeCipherSpec, then everything encrypted
    /// under the outer type application_data (Finished, data), record version 3.3 throughout.
    static let tls13: [UInt8] = record(22, 0x0301, 512) + record(20, 0x0303, 1) + record(23, 0x0303, 53) + record(23, 0x0303, 19)

    static func record(_ type: UInt8, _ version: UInt16, _ length: Int) -> [UInt8] {
        [type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)] + (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    }

    static func scan(_ chunks: [[UInt8]]) throws -> ([Record], TLSRecordScanner) {
        var scanner = TLSRecordScanner()
        var records: [Record] = []
        for chunk in chunks {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk.count, alignment: 1)
            defer { buffer.deallocate() }
            buffer.copyBytes(from: chunk)
            try scanner.scan(UnsafeRawBufferPointer(buffer)) { records.append($0) }
        }
        return (records, scanner)
    }

    static let tls12Records = [
        Record(contentType: 22, version: 0x0301, length: 157), Record(contentType: 22, version: 0x0303, length: 7),
        Record(contentType: 22, version: 0x0303, length: 37), Record(contentType: 20, version: 0x0303, length: 1),
        Record(contentType: 22, version: 0x0303, length: 40), Record(contentType: 23, version: 0x0303, length: 60),
        Record(contentType: 23, version: 0x0303, length: 29), Record(contentType: 21, version: 0x0303, length: 26),
    ]

    @Test("several records in one read: each, in order, with type, version and length")
    func severalInOneRead() throws {
        let (records, scanner) = try Self.scan([Self.tls12])
        #expect(records == Self.tls12Records)
        #expect(records.reduce(0) { $0 + $1.wireSize } == Self.tls12.count)
        #expect(scanner.pendingBytes == 0)
    }

    @Test("records split across reads at every byte: the same records, each when its last byte comes")
    func splitAtEveryByte() throws {
        let (records, _) = try Self.scan(Self.tls12.map { [$0] })
        #expect(records == Self.tls12Records)
        for cut in [1, 3, 4, 5, 6, 161, 162, 163, 170] {
            let (split, scanner) = try Self.scan([Array(Self.tls12[..<cut]), Array(Self.tls12[cut...])])
            #expect(split == Self.tls12Records, "cut at \(cut)")
            #expect(scanner.pendingBytes == 0)
        }
    }

    @Test("a record not yet complete is not reported; its bytes so far are pending")
    func partial() throws {
        let (records, scanner) = try Self.scan([Array(Self.tls13[..<500])])
        #expect(records == [])
        #expect(scanner.pendingBytes == 500)
        let (one, next) = try Self.scan([Array(Self.tls13[..<520])])  // the ClientHello and 3 bytes of the next header
        #expect(one.map(\.wireSize) == [517] && next.pendingBytes == 3)
        let (header, afterHeader) = try Self.scan([Array(Self.tls13[..<3])])
        #expect(header == [] && afterHeader.pendingBytes == 3)
    }

    @Test("TLS 1.3: ClientHello, ChangeCipherSpec, then application-data-typed records (the encrypted Finished too)")
    func tls13() throws {
        let (records, _) = try Self.scan([Array(Self.tls13[..<600]), Array(Self.tls13[600...])])
        #expect(records.map(\.contentType) == [22, 20, 23, 23])
        #expect(records.map(\.wireSize) == [517, 6, 58, 24])
    }

    @Test("a zero-length record is a record")
    func empty() throws {
        let (records, _) = try Self.scan([Self.record(23, 0x0303, 0) + Self.record(21, 0x0303, 2)])
        #expect(records.map(\.length) == [0, 2])
    }

    @Test("bytes that are not TLS: the header is refused with what is wrong and where")
    func notTLS() {
        #expect(throws: TLSRecordError.contentType(0x10, offset: 0)) { try Self.scan([[0x10, 0x03, 0x03, 0x00, 0x01, 0x00]]) }
        #expect(throws: TLSRecordError.version(0x0203, offset: 6)) { try Self.scan([Self.record(20, 0x0303, 1) + [22, 0x02, 0x03, 0, 1, 0]]) }
        #expect(throws: TLSRecordError.length(0x5000, offset: 0)) { try Self.scan([[23, 0x03, 0x03, 0x50, 0x00]]) }
    }
}
