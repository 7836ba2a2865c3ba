import Testing
@testable import VirtualModem

@Suite("PSM timer and eDRX codecs")
struct RadioCodecTests {
    @Test(
        "GPRS Timer 3 (T3412 extended) decodes per TS 24.008 Table 10.5.163a",
        arguments: [
            ("00000011", 1800), ("00000110", 3600), ("00100001", 3600), ("01000111", 252_000), ("01100001", 2),
            ("10000010", 60), ("10100101", 300), ("11000001", 1_152_000), ("00000000", 0),
        ])
    func periodicTAU(bits: String, seconds: Int) throws {
        let timer = try GPRSTimer(kind: .periodicTAU, bits: bits)
        #expect(timer.seconds == seconds)
        #expect(timer.bits == bits)
    }

    @Test(
        "GPRS Timer 2 (T3324) decodes per TS 24.008 Table 10.5.163, units 011-110 as minutes",
        arguments: [("00000101", 10), ("00100001", 60), ("00100100", 240), ("01000011", 1080), ("01100010", 120), ("00011111", 62)])
    func activeTime(bits: String, seconds: Int) throws {
        #expect(try GPRSTimer(kind: .activeTime, bits: bits).seconds == seconds)
    }

    @Test("unit 111 is deactivated", arguments: ["11100000", "11111111", "11100101"])
    func deactivated(bits: String) throws {
        #expect(try GPRSTimer(kind: .periodicTAU, bits: bits).seconds == nil)
        #expect(try GPRSTimer(kind: .activeTime, bits: bits).duration == nil)
        #expect(GPRSTimer.deactivated(.activeTime).bits == "11100000")
    }

    @Test("bytes round-trip through the bit string")
    func byteFixtures() throws {
        #expect(GPRSTimer(kind: .periodicTAU, byte: 0x03).bits == "00000011")
        #expect(GPRSTimer(kind: .activeTime, byte: 0xA5).bits == "10100101")
        for byte in UInt8.min...UInt8.max {
            let timer = GPRSTimer(kind: .periodicTAU, byte: byte)
            #expect(try GPRSTimer(kind: .periodicTAU, bits: timer.bits).byte == byte)
        }
    }

    @Test("bad strings are refused with the reason", arguments: [
        ("0000011", GPRSTimer.ParseError.wrongLength("0000011")), ("000000111", .wrongLength("000000111")),
        ("", .wrongLength("")), ("0000001x", .notBinary("0000001x")), ("0000 011", .notBinary("0000 011")),
        ("00000012", .notBinary("00000012")),
    ])
    func badStrings(bits: String, error: GPRSTimer.ParseError) {
        #expect(throws: error) { try GPRSTimer(kind: .periodicTAU, bits: bits) }
    }

    /// lte_lc_psm_param_set_seconds() picks the closest value at or above the request, the first unit on a tie
    /// (nrf/lib/lte_link_control/modules/psm.c:113).
    @Test(
        "encoding from seconds chooses as lte_lc does",
        arguments: [
            (GPRSTimer.Kind.periodicTAU, 1800, "00000011"), (.periodicTAU, 3600, "00000110"), (.periodicTAU, 2, "01100001"),
            (.periodicTAU, 61, "01111111"), (.periodicTAU, 0, "00000000"), (.periodicTAU, 86_400, "00111000"),
            (.activeTime, 60, "00011110"), (.activeTime, 10, "00000101"), (.activeTime, 61, "00011111"), (.activeTime, 63, "00100010"),
            (.activeTime, 3600, "01001010"), (.activeTime, 1, "00000001"),
        ])
    func encoding(kind: GPRSTimer.Kind, seconds: Int, bits: String) {
        #expect(GPRSTimer.encoding(seconds: seconds, kind: kind)?.bits == bits)
    }

    @Test("too long for the encoding")
    func tooLong() {
        #expect(GPRSTimer.encoding(seconds: 1_152_000 * 31 + 1, kind: .periodicTAU) == nil)
        #expect(GPRSTimer.encoding(seconds: 360 * 31 + 1, kind: .activeTime) == nil)
        #expect(GPRSTimer.encoding(seconds: -1, kind: .activeTime) == nil)
    }

    @Test("eDRX cycles and PTW per TS 24.008 Table 10.5.5.32")
    func edrx() throws {
        #expect(try EDRXNibble(bits: "1001").edrxCycleMilliseconds(.lteM) == 163_840)
        #expect(try EDRXNibble(bits: "0000").edrxCycleMilliseconds(.lteM) == 5120)
        #expect(try EDRXNibble(bits: "1101").edrxCycleMilliseconds(.lteM) == 2_621_440)
        #expect(try EDRXNibble(bits: "0000").edrxCycleMilliseconds(.nbIoT) == 20_480)
        #expect(try EDRXNibble(bits: "1111").edrxCycleMilliseconds(.nbIoT) == 10_485_760)
        #expect(try EDRXNibble(bits: "0011").pagingTimeWindowMilliseconds(.lteM) == 5120)
        #expect(try EDRXNibble(bits: "0011").pagingTimeWindowMilliseconds(.nbIoT) == 10_240)
        #expect(EDRXNibble(0b0101).bits == "0101")
        #expect(throws: EDRXNibble.ParseError.wrongLength("10011")) { try EDRXNibble(bits: "10011") }
        #expect(throws: EDRXNibble.ParseError.notBinary("10a1")) { try EDRXNibble(bits: "10a1") }
    }
}
