import Crypto
import Foundation

/// An MCUboot image as `imgtool sign` writes it: a header, the payload, optional protected TLVs, then the TLV area
/// (SHA-256 of header + payload + protected TLVs, the signing key's hash, the ECDSA P-256 signature).
public struct MCUbootImage: Sendable, Equatable {
    /// `IMAGE_MAGIC`.
    static let magic: UInt32 = 0x96f3_b83d
    static let tlvInfoMagic: UInt16 = 0x6907
    static let protectedTLVInfoMagic: UInt16 = 0x6908
    static let tlvKeyHash: UInt16 = 0x01
    static let tlvSHA256: UInt16 = 0x10
    static let tlvECDSASignature: UInt16 = 0x22

    /// `struct image_version`.
    public struct Version: Sendable, Equatable, CustomStringConvertible {
        public var major: UInt8
        public var minor: UInt8
        public var revision: UInt16
        public var build: UInt32

        public init(major: UInt8, minor: UInt8, revision: UInt16, build: UInt32 = 0) {
            self.major = major
            self.minor = minor
            self.revision = revision
            self.build = build
        }

        /// `major.minor.revision`, with `+build` when it is not 0 (imgtool's `--version` form).
        public var description: String {
            "\(self.major).\(self.minor).\(self.revision)" + (self.build == 0 ? "" : "+\(self.build)")
        }

        /// Parses `1.2.3` or `1.2.3+4`; nil otherwise.
        public init?(_ text: String) {
            let (main, build) = text.split(separator: "+", maxSplits: 1).map(String.init).splitPair()
            let parts = main.split(separator: ".", omittingEmptySubsequences: false).map { String($0) }
            guard parts.count == 3, let major = UInt8(parts[0]), let minor = UInt8(parts[1]),
                let revision = UInt16(parts[2]), let buildNumber = build.map({ UInt32($0) }) ?? 0
            else { return nil }
            self.init(major: major, minor: minor, revision: revision, build: buildNumber)
        }
    }

    public var headerSize: Int
    public var imageSize: Int
    public var protectedTLVSize: Int
    public var flags: UInt32
    public var version: Version
    /// Everything the hash covers: header, payload, protected TLVs.
    public var hashedLength: Int { self.headerSize + self.imageSize + self.protectedTLVSize }
    /// The whole image: up to the end of the TLV area.
    public var totalLength: Int
    /// The unprotected TLVs by type (the last one of a type wins).
    public var tlvs: [UInt16: [UInt8]]

    /// Parses the header and the TLV area of `bytes` (which may carry slot padding after the image).
    /// - Throws: ``MCUbootImageError`` naming what is wrong and at which offset.
    public init(parsing bytes: [UInt8]) throws(MCUbootImageError) {
        guard bytes.count >= 32 else { throw MCUbootImageError("the image is \(bytes.count) bytes: shorter than its header") }
        guard Self.u32(bytes, 0) == Self.magic else {
            throw MCUbootImageError("bad header magic 0x\(String(Self.u32(bytes, 0), radix: 16)) at offset 0")
        }
        self.headerSize = Int(Self.u16(bytes, 8))
        self.protectedTLVSize = Int(Self.u16(bytes, 10))
        self.imageSize = Int(Self.u32(bytes, 12))
        self.flags = Self.u32(bytes, 16)
        self.version = Version(
            major: bytes[20], minor: bytes[21], revision: Self.u16(bytes, 22), build: Self.u32(bytes, 24))
        guard self.headerSize >= 32 else { throw MCUbootImageError("header size \(self.headerSize) is below 32") }
        let tlvStart = self.headerSize + self.imageSize + self.protectedTLVSize
        guard bytes.count >= tlvStart + 4 else {
            throw MCUbootImageError("the image is truncated: \(bytes.count) bytes, its TLV area starts at \(tlvStart)")
        }
        guard Self.u16(bytes, tlvStart) == Self.tlvInfoMagic else {
            throw MCUbootImageError("bad TLV area magic 0x\(String(Self.u16(bytes, tlvStart), radix: 16)) at offset \(tlvStart)")
        }
        let areaLength = Int(Self.u16(bytes, tlvStart + 2))
        guard areaLength >= 4, bytes.count >= tlvStart + areaLength else {
            throw MCUbootImageError("the TLV area (\(areaLength) bytes at \(tlvStart)) runs past the end of the image")
        }
        var tlvs: [UInt16: [UInt8]] = [:]
        var offset = tlvStart + 4
        while offset < tlvStart + areaLength {
            guard offset + 4 <= tlvStart + areaLength else { throw MCUbootImageError("a TLV header is cut off at offset \(offset)") }
            let type = Self.u16(bytes, offset)
            let length = Int(Self.u16(bytes, offset + 2))
            guard offset + 4 + length <= tlvStart + areaLength else {
                throw MCUbootImageError("TLV 0x\(String(type, radix: 16)) at offset \(offset) runs past the TLV area")
            }
            tlvs[type] = Array(bytes[(offset + 4)..<(offset + 4 + length)])
            offset += 4 + length
        }
        self.tlvs = tlvs
        self.totalLength = tlvStart + areaLength
    }

    /// MCUboot's `bootutil_img_validate()`: the SHA-256 TLV matches the hashed region, the key hash names `key`, and
    /// the ECDSA P-256 signature over the hashed region verifies with it.
    /// - Throws: ``MCUbootImageError`` saying which check failed.
    public func validate(_ bytes: [UInt8], key: P256.Signing.PublicKey) throws(MCUbootImageError) {
        guard let expected = self.tlvs[Self.tlvSHA256], expected.count == 32 else {
            throw MCUbootImageError("no SHA-256 TLV")
        }
        let digest = SHA256.hash(data: bytes[0..<self.hashedLength])
        guard Array(digest) == expected else { throw MCUbootImageError("the SHA-256 of the image does not match its TLV") }
        guard let keyHash = self.tlvs[Self.tlvKeyHash] else { throw MCUbootImageError("no key hash TLV: the image is unsigned") }
        guard Array(SHA256.hash(data: key.derRepresentation)) == keyHash else {
            throw MCUbootImageError("signed with another key (the key hash TLV does not match the board's key)")
        }
        guard let signature = self.tlvs[Self.tlvECDSASignature] else { throw MCUbootImageError("no ECDSA signature TLV") }
        guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature),
            key.isValidSignature(parsed, for: digest)
        else { throw MCUbootImageError("the ECDSA signature does not verify") }
    }

    static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(Self.u16(bytes, offset)) | UInt32(Self.u16(bytes, offset + 2)) << 16
    }

    /// A minimal unsigned image for a factory-fresh primary slot: header, `payload`, and the SHA-256 TLV.
    public static func factoryImage(version: Version, payload: [UInt8]) -> [UInt8] {
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
        var header = le32(Self.magic) + le32(0) + le16(0x200) + le16(0) + le32(UInt32(payload.count)) + le32(0)
        header += [version.major, version.minor] + le16(Int(version.revision)) + le32(version.build) + le32(0)
        header += [UInt8](repeating: 0, count: 0x200 - header.count)
        let hashed = header + payload
        let digest = Array(SHA256.hash(data: hashed))
        return hashed + le16(Int(Self.tlvInfoMagic)) + le16(4 + 4 + 32) + le16(Int(Self.tlvSHA256)) + le16(32) + digest
    }
}

/// Why an image was refused.
public struct MCUbootImageError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == String {
    fileprivate func splitPair() -> (String, String?) { (self.first ?? "", self.count > 1 ? self[1] : nil) }
}

/// The board cannot boot: its MCUboot configuration (the signing key file) is unusable.
public struct BootConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
