/// A half-byte of the Extended DRX parameters IE (3GPP TS 24.008 10.5.5.32) as AT commands carry it: four `0`/`1`
/// characters. Bits 4 to 1 of octet 3 are the eDRX value; bits 8 to 5 the Paging Time Window.
public struct EDRXNibble: Hashable, Sendable, CustomStringConvertible {
    /// The access technology the value is for: `<AcT-type>` 4 (LTE-M, E-UTRAN WB-S1) or 5 (NB-IoT, E-UTRAN NB-S1).
    public enum AccessTechnology: Int, Sendable, CaseIterable {
        case lteM = 4
        case nbIoT = 5
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case wrongLength(String)
        case notBinary(String)

        public var description: String {
            switch self {
            case .wrongLength(let text): "\"\(text)\" is not half a byte: \(text.count) characters, 4 required"
            case .notBinary(let text): "\"\(text)\" has a character other than 0 or 1"
            }
        }
    }

    /// 0-15.
    public let value: UInt8

    public init(_ value: UInt8) {
        precondition(value < 16, "an eDRX half-byte is 0-15")
        self.value = value
    }

    public init(bits: String) throws(ParseError) {
        guard bits.utf8.count == 4 else { throw .wrongLength(bits) }
        var value: UInt8 = 0
        for character in bits.utf8 {
            guard character == UInt8(ascii: "0") || character == UInt8(ascii: "1") else { throw .notBinary(bits) }
            value = value << 1 | (character - UInt8(ascii: "0"))
        }
        self.value = value
    }

    public var bits: String { String((0..<4).reversed().map { self.value >> $0 & 1 == 1 ? "1" : "0" }) }
    public var description: String { self.bits }

    /// The eDRX cycle this value stands for, in milliseconds (TS 24.008 Table 10.5.5.32: 5.12 s or multiples of
    /// 10.24 s for WB-S1; NB-S1 defines 0010, 0011, 0101 and 1001-1111, others taken as 0010), as lte_lc's
    /// `get_edrx_value()` reads it (nrf/lib/lte_link_control/modules/edrx.c:148, sdk-nrf v2.9.0).
    public func edrxCycleMilliseconds(_ act: AccessTechnology) -> Int {
        let ltem: [Int] = [0, 1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128, 256, 256, 256]
        let nbiot: [Int] = [2, 2, 2, 4, 2, 8, 2, 2, 2, 16, 32, 64, 128, 256, 512, 1024]
        let multiplier = (act == .lteM ? ltem : nbiot)[Int(self.value)]
        return multiplier == 0 ? 5120 : multiplier * 10240
    }

    /// The Paging Time Window this value stands for, in milliseconds: (value + 1) × 1.28 s for LTE-M, × 2.56 s for
    /// NB-IoT (TS 24.008 Table 10.5.5.32).
    public func pagingTimeWindowMilliseconds(_ act: AccessTechnology) -> Int {
        (Int(self.value) + 1) * (act == .lteM ? 1280 : 2560)
    }
}
