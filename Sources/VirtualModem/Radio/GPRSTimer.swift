/// One byte of a 3GPP GPRS timer information element as AT commands carry it: eight `0`/`1` characters, bits 8 to 6
/// the unit, bits 5 to 1 the value.
///
/// ``Kind/periodicTAU`` is GPRS Timer 3 (3GPP TS 24.008 10.5.7.4a, Table 10.5.163a: T3412 extended, the periodic
/// TAU); ``Kind/activeTime`` is GPRS Timer 2 (TS 24.008 10.5.7.3, Table 10.5.163: T3324, the PSM active time).
public struct GPRSTimer: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// T3412 extended (GPRS Timer 3).
        case periodicTAU
        /// T3324 (GPRS Timer 2).
        case activeTime

        /// Seconds per unit for each value of bits 8 to 6; 0 marks "deactivated" (unit 111).
        ///
        /// GPRS Timer 2 defines units 000-010 only and has the others "interpreted as multiples of 1 minute";
        /// lte_lc's `t3324_lookup` (nrf/lib/lte_link_control/modules/psm.c:55, sdk-nrf v2.9.0) does the same.
        var unitSeconds: [Int] {
            switch self {
            case .periodicTAU: [600, 3600, 36_000, 2, 30, 60, 1_152_000, 0]
            case .activeTime: [2, 60, 360, 60, 60, 60, 60, 0]
            }
        }

        /// The units an encoder may choose: lte_lc searches the first 7 (T3412 ext) or 3 (T3324) entries.
        var encodableUnits: Int {
            switch self {
            case .periodicTAU: 7
            case .activeTime: 3
            }
        }

        var name: String {
            switch self {
            case .periodicTAU: "Periodic-TAU-ext"
            case .activeTime: "Active-Time"
            }
        }
    }

    /// Why a timer string is refused.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case wrongLength(String)
        case notBinary(String)

        public var description: String {
            switch self {
            case .wrongLength(let text): "\"\(text)\" is not one byte: \(text.count) characters, 8 required"
            case .notBinary(let text): "\"\(text)\" has a character other than 0 or 1"
            }
        }
    }

    public let kind: Kind
    /// The encoded byte.
    public let byte: UInt8

    public init(kind: Kind, byte: UInt8) {
        self.kind = kind
        self.byte = byte
    }

    /// Parses the 8-character bit string of an AT command.
    public init(kind: Kind, bits: String) throws(ParseError) {
        guard bits.utf8.count == 8 else { throw .wrongLength(bits) }
        var byte: UInt8 = 0
        for character in bits.utf8 {
            guard character == UInt8(ascii: "0") || character == UInt8(ascii: "1") else { throw .notBinary(bits) }
            byte = byte << 1 | (character - UInt8(ascii: "0"))
        }
        self.init(kind: kind, byte: byte)
    }

    /// The deactivated timer (unit 111): `"11100000"`.
    public static func deactivated(_ kind: Kind) -> GPRSTimer { GPRSTimer(kind: kind, byte: 0b1110_0000) }

    /// The closest encodable timer at or above `seconds`, chosen as lte_lc's `psm_encode_timer()` does
    /// (nrf/lib/lte_link_control/modules/psm.c:113, sdk-nrf v2.9.0); nil when it is too long for the encoding.
    public static func encoding(seconds: Int, kind: Kind) -> GPRSTimer? {
        guard seconds >= 0 else { return nil }
        var best: (value: Int, unit: Int, count: Int)?
        for unit in 0..<kind.encodableUnits {
            let step = kind.unitSeconds[unit]
            let count = (seconds + step - 1) / step
            guard count <= 31 else { continue }
            let value = step * count
            if best == nil || value - seconds < best!.value - seconds {
                best = (value, unit, count)
            }
        }
        return best.map { GPRSTimer(kind: kind, byte: UInt8($0.unit << 5 | $0.count)) }
    }

    /// The timer that is exactly `seconds` long, in the largest unit that counts it in 0-31 steps; nil when no
    /// unit an encoder may choose does.
    public static func exact(seconds: Int, kind: Kind) -> GPRSTimer? {
        let units = (0..<kind.encodableUnits).filter { unit in
            let step = kind.unitSeconds[unit]
            return seconds >= 0 && seconds % step == 0 && seconds / step <= 31
        }
        guard let unit = units.max(by: { kind.unitSeconds[$0] < kind.unitSeconds[$1] }) else { return nil }
        return GPRSTimer(kind: kind, byte: UInt8(unit << 5 | seconds / kind.unitSeconds[unit]))
    }

    /// Bits 8 to 6.
    public var unit: Int { Int(self.byte >> 5) }
    /// Bits 5 to 1.
    public var value: Int { Int(self.byte & 0x1F) }

    /// The timer's length, or nil when deactivated.
    public var seconds: Int? {
        let step = self.kind.unitSeconds[self.unit]
        return step == 0 ? nil : step * self.value
    }

    /// The timer as a duration, or nil when deactivated.
    public var duration: Duration? { self.seconds.map { .seconds($0) } }

    /// The 8-character bit string, most significant bit first.
    public var bits: String {
        String((0..<8).reversed().map { self.byte >> $0 & 1 == 1 ? "1" : "0" })
    }

    public var description: String { self.bits }
}
