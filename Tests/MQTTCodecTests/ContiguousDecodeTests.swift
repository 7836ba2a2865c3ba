import Testing
@testable import MQTTCodec

/// `decode(contiguous:)`, the entry point the hub's frame decoder reads a `ByteBuffer` with, decodes exactly as the
/// generic one does: the same packet and length, the same need for more bytes, the same error.
@Suite("MQTT codec: decoding from contiguous memory")
struct ContiguousDecodeTests {
    @Test("100,000 random and mutated packets decode alike from an array slice and from raw memory")
    func sameAsSlices() {
        var rng = FuzzTests.Generator(state: 0x434F_4E54)
        let decoder = MQTTDecoder(maximumRemainingLength: 262_144)
        let seeds = FuzzTests.seeds.map { $0.encoded() }
        var packets = 0
        var errors = 0
        for _ in 0..<100_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 0...3, using: &rng) where !bytes.isEmpty {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
                default: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                }
            }
            let fromSlice = Result { () throws(MQTTDecodeError) in try decoder.decode(bytes[...]) }
            let fromMemory = bytes.withUnsafeBytes { raw in Result { () throws(MQTTDecodeError) in try decoder.decode(contiguous: raw) } }
            switch (fromSlice, fromMemory) {
            case (.success(let a), .success(let b)):
                #expect(a?.packet == b?.packet && a?.length == b?.length, "\(bytes)")
                if a != nil { packets += 1 }
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(bytes)")
                errors += 1
            default:
                Issue.record("the two entry points differ on \(bytes): \(fromSlice) / \(fromMemory)")
            }
        }
        #expect(packets > 1_000 && errors > 1_000)
    }
}
