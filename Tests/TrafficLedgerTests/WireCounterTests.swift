import Testing

@testable import TrafficLedger

@Suite("One direction's wire count: bytes, segments and the TLS records they hold")
struct WireCounterTests {
    typealias Fixture = TLSRecordScannerTests

    @Test func theCounterCutsSegmentsAtTheMSS() {
        var counter = WireCounter(maximumSegmentSize: 1240)
        counter.count(Fixture.serverHello(suite: 0xC02B))
        counter.count(Fixture.record(23, 0x0303, 2500))
        counter.count(Fixture.record(23, 0x0303, 10))
        let tally = counter.tally
        #expect(tally.segments == 1 + 3 + 1)
        #expect(tally.handshakeRecords == 1)
        #expect(tally.applicationRecords == 2)
        #expect(tally.applicationBytes == 2505 + 15)
        #expect(tally.unframedBytes == 0)
        #expect(tally.cipherSuite == 0xC02B)
        #expect(tally.framingError == nil)
    }

    @Test("a record split across chunks, from a collection that is not contiguous")
    func aSplitRecordFromAnyCollection() {
        var counter = WireCounter(maximumSegmentSize: 1240)
        let hello = Fixture.serverHello(suite: 0xCCA9)
        counter.count(hello[..<40].lazy.map { $0 })
        #expect(counter.tally.unframedBytes == 40 && counter.tally.handshakeRecords == 0)
        counter.count(Array(hello[40...]))
        #expect(counter.tally.handshakeBytes == hello.count && counter.tally.unframedBytes == 0)
        #expect(counter.tally.cipherSuite == 0xCCA9)
    }

    @Test("a stream that is not TLS: every byte is counted, the records stop at the bad header, which is named")
    func notTLS() {
        var counter = WireCounter(maximumSegmentSize: 1240)
        counter.count(Fixture.record(22, 0x0301, 20))
        counter.count(Fixture.record(23, 0x0303, 3) + Array("GET / HTTP/1.1\r\n".utf8))
        counter.count(Fixture.record(23, 0x0303, 30))
        let tally = counter.tally
        #expect(tally.bytes == 25 + 8 + 16 + 35)
        #expect(tally.segments == 3)
        #expect(tally.handshakeRecords == 1 && tally.handshakeBytes == 25)
        // The record before the bad header is framed; the one after it is not: it may be anything.
        #expect(tally.applicationRecords == 1 && tally.applicationBytes == 8)
        #expect(tally.unframedBytes == 16 + 35)
        #expect(tally.framingError == "a TLS record header at byte 33 has content type 71 (not 20-24)")
        let split = ByteSplit(wire: tally, mqtt: MQTTTally(), overhead: 0)
        #expect(split.total == tally.bytes)
    }
}
