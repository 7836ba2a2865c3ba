import Testing

@testable import TrafficLedger

@Suite struct TLSRecordScannerTests {
    /// A TLS 1.2 ServerHello record choosing `suite`, with a 32-byte session id, and its record header.
    static func serverHello(suite: UInt16) -> [UInt8] {
        let body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0xAB, count: 32) + [32] + [UInt8](repeating: 0xCD, count: 32)
            + [UInt8(suite >> 8), UInt8(suite & 0xFF), 0x00, 0x00, 0x00]
        let message: [UInt8] = [0x02, 0x00, 0x00, UInt8(body.count)] + body
        return [0x16, 0x03, 0x03, 0x00, UInt8(message.count)] + message
    }

    static func record(_ type: UInt8, _ length: Int) -> [UInt8] {
        [type, 0x03, 0x03, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0x5A, count: length)
    }

    @Test func readsEveryRecordWhereverTheStreamIsCut() {
        let stream = Self.serverHello(suite: 0xC02B) + Self.record(20, 1) + Self.record(22, 40) + Self.record(23, 300) + Self.record(21, 26)
        for cut in 0...stream.count {
            var scanner = TLSRecordScanner()
            let records = scanner.scan(stream[..<cut]) + scanner.scan(stream[cut...])
            #expect(records.map(\.type) == [.handshake, .changeCipherSpec, .handshake, .applicationData, .alert], "cut at \(cut)")
            #expect(records.map(\.wireBytes).reduce(0, +) == stream.count)
            #expect(scanner.cipherSuite == 0xC02B, "cut at \(cut)")
            #expect(scanner.pendingBytes == 0)
        }
    }

    @Test func aByteAtATime() {
        let stream = Self.serverHello(suite: 0xCCA9) + Self.record(23, 70000 & 0xFFFF)
        var scanner = TLSRecordScanner()
        var records: [TLSRecordScanner.Record] = []
        for byte in stream { records += scanner.scan([byte]) }
        #expect(records.count == 2)
        #expect(scanner.cipherSuite == 0xCCA9)
    }

    @Test func anUnfinishedRecordIsPending() {
        var scanner = TLSRecordScanner()
        #expect(scanner.scan(Self.record(23, 100).prefix(60)).isEmpty)
        #expect(scanner.pendingBytes == 60)
    }

    @Test func aClientHelloHasNoSuite() {
        var hello = Self.serverHello(suite: 0xC02B)
        hello[5] = 0x01
        var scanner = TLSRecordScanner()
        _ = scanner.scan(hello)
        #expect(scanner.cipherSuite == nil)
    }

    @Test func overheadOfTheSuitesTheModemOffers() {
        #expect(TLSRecordScanner.protectionOverhead(suite: 0xC02B) == 24)  // ECDHE-ECDSA-AES128-GCM-SHA256
        #expect(TLSRecordScanner.protectionOverhead(suite: 0xCCA9) == 16)  // ECDHE-ECDSA-CHACHA20-POLY1305
        #expect(TLSRecordScanner.protectionOverhead(suite: 0x1301) == 17)  // TLS_AES_128_GCM_SHA256
        #expect(TLSRecordScanner.protectionOverhead(suite: 0xC023) == nil)  // ECDHE-ECDSA-AES128-SHA256 (CBC)
    }

    @Test func theCounterCutsSegmentsAtTheMSS() {
        var counter = WireCounter(maximumSegmentSize: 1240)
        counter.count(Self.serverHello(suite: 0xC02B))
        counter.count(Self.record(23, 2500))
        counter.count(Self.record(23, 10))
        let tally = counter.tally
        #expect(tally.segments == 1 + 3 + 1)
        #expect(tally.handshakeRecords == 1)
        #expect(tally.applicationRecords == 2)
        #expect(tally.applicationBytes == 2505 + 15)
        #expect(tally.unframedBytes == 0)
        #expect(tally.cipherSuite == 0xC02B)
    }
}
