/// The few DER constructions the modem's CSR needs, with definite lengths.
enum DER {
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        [tag] + Self.length(content.count) + content
    }

    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var remaining = count
        while remaining > 0 {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func sequence(_ parts: [UInt8]...) -> [UInt8] { Self.tlv(0x30, parts.flatMap { $0 }) }
    static func set(_ parts: [UInt8]...) -> [UInt8] { Self.tlv(0x31, parts.flatMap { $0 }) }
    static func objectIdentifier(_ encoded: [UInt8]) -> [UInt8] { Self.tlv(0x06, encoded) }
    static func utf8String(_ text: String) -> [UInt8] { Self.tlv(0x0C, Array(text.utf8)) }
    static func printableString(_ text: String) -> [UInt8] { Self.tlv(0x13, Array(text.utf8)) }
    static func octetString(_ bytes: [UInt8]) -> [UInt8] { Self.tlv(0x04, bytes) }
    static func bitString(unusedBits: UInt8, _ bytes: [UInt8]) -> [UInt8] { Self.tlv(0x03, [unusedBits] + bytes) }
    static let integerZero: [UInt8] = [0x02, 0x01, 0x00]

    /// Object identifiers, as their encoded content bytes.
    enum OID {
        static let commonName: [UInt8] = [0x55, 0x04, 0x03]
        static let country: [UInt8] = [0x55, 0x04, 0x06]
        static let locality: [UInt8] = [0x55, 0x04, 0x07]
        static let stateOrProvince: [UInt8] = [0x55, 0x04, 0x08]
        static let organization: [UInt8] = [0x55, 0x04, 0x0A]
        static let organizationalUnit: [UInt8] = [0x55, 0x04, 0x0B]
        static let extensionRequest: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E]
        static let keyUsage: [UInt8] = [0x55, 0x1D, 0x0F]
        static let ecdsaWithSHA256: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
    }
}
