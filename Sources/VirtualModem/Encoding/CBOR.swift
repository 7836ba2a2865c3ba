/// The CBOR items the modem's COSE envelopes use (RFC 8949 definite-length encodings).
enum CBOR {
    static func head(_ major: UInt8, _ value: UInt64) -> [UInt8] {
        let type = major << 5
        switch value {
        case 0..<24: return [type | UInt8(value)]
        case 24..<0x100: return [type | 24, UInt8(value)]
        case 0x100..<0x1_0000: return [type | 25, UInt8(value >> 8), UInt8(value & 0xFF)]
        case 0x1_0000..<0x1_0000_0000:
            return [type | 26] + (0..<4).reversed().map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
        default:
            return [type | 27] + (0..<8).reversed().map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
        }
    }

    static func unsigned(_ value: UInt64) -> [UInt8] { Self.head(0, value) }
    /// A negative integer `value` (< 0).
    static func negative(_ value: Int64) -> [UInt8] { Self.head(1, UInt64(-1 - value)) }
    static func bytes(_ bytes: [UInt8]) -> [UInt8] { Self.head(2, UInt64(bytes.count)) + bytes }
    static func text(_ text: String) -> [UInt8] { Self.head(3, UInt64(text.utf8.count)) + Array(text.utf8) }
    static func array(_ items: [UInt8]...) -> [UInt8] { Self.head(4, UInt64(items.count)) + items.flatMap { $0 } }
    static func tag(_ tag: UInt64, _ item: [UInt8]) -> [UInt8] { Self.head(6, tag) + item }
    static let null: [UInt8] = [0xF6]
}
