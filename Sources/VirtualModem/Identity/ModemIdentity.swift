import Crypto
import Secrets
import SimCore

/// Who a modem is: created once per state directory and kept in the modem's own store.
public struct ModemIdentity: Codable, Equatable, Sendable {
    /// 15 digits, the last a Luhn check digit.
    public var imei: String
    /// The device UUID (lower-case, hyphenated): default KEYGEN CN and the attestation token's device id.
    public var deviceUUID: String
    /// The modem firmware build UUID reported by `%XMODEMUUID`.
    public var firmwareUUID: String
    /// The P-256 device identity key's raw scalar. Never leaves the modem's store.
    var identityKeyRaw: [UInt8]

    /// The identity key that signs `%KEYGEN` and `%ATTESTTOKEN` COSE envelopes.
    var identityKey: P256.Signing.PrivateKey {
        // The raw scalar was validated when the identity was made or loaded.
        try! P256.Signing.PrivateKey(rawRepresentation: self.identityKeyRaw)
    }

    /// Makes a new identity for a modem of `profile`: the IMEI digits and the device UUID from `publicValues` (a
    /// simulation stream; they are printed and sent everywhere), the identity key from `secrets`, which no public
    /// value tells anything about.
    public static func generate(
        profile: ModemProfile, publicValues rng: inout some RandomNumberGenerator, secrets: SecretSource
    ) -> ModemIdentity {
        var digits = profile.imeiTypeAllocationCode
        while digits.count < 14 {
            digits.append(Character(String(rng.next(upperBound: UInt8(10)))))
        }
        let imei = digits + String(Luhn.checkDigit(for: digits))
        var uuid = rng.bytes(16)
        uuid[6] = (uuid[6] & 0x0F) | 0x40
        uuid[8] = (uuid[8] & 0x3F) | 0x80
        return ModemIdentity(
            imei: imei,
            deviceUUID: UUIDText.format(uuid),
            firmwareUUID: Self.firmwareUUID(for: profile),
            identityKeyRaw: secrets.p256Scalar(label: "modem device identity key"))
    }

    /// The build UUID of the simulated firmware: fixed per firmware revision, as on real modems.
    static func firmwareUUID(for profile: ModemProfile) -> String {
        var bytes = Array(SHA256.hash(data: Array("nrfsim-modem-firmware:\(profile.firmwareRevision)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUIDText.format(bytes)
    }

    /// Checks that a loaded identity is usable.
    func validate() throws(ModemStoreError) {
        guard self.imei.count == 15, self.imei.allSatisfy(\.isASCIIDigit),
            Luhn.checkDigit(for: String(self.imei.prefix(14))) == self.imei.last?.wholeNumberValue
        else { throw ModemStoreError("identity IMEI \"\(self.imei)\" is not 15 digits with a valid Luhn digit") }
        guard UUIDText.parse(self.deviceUUID) != nil, UUIDText.parse(self.firmwareUUID) != nil else {
            throw ModemStoreError("identity UUIDs are malformed")
        }
        guard (try? P256.Signing.PrivateKey(rawRepresentation: self.identityKeyRaw)) != nil else {
            throw ModemStoreError("identity key is not a valid P-256 scalar")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { self.isASCII && self.isNumber }
}

/// The Luhn check digit used by IMEIs.
enum Luhn {
    /// The digit that makes `digits` followed by it pass the Luhn check.
    static func checkDigit(for digits: String) -> Int {
        var sum = 0
        for (offset, character) in digits.reversed().enumerated() {
            var value = character.wholeNumberValue ?? 0
            if offset % 2 == 0 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return (10 - sum % 10) % 10
    }
}

/// UUID text in the modem's form: lower-case, hyphenated.
enum UUIDText {
    static func format(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }

    static func parse(_ text: String) -> [UInt8]? {
        let hex = String(text.filter { $0 != "-" })
        guard text.count == 36, hex.count == 32 else { return nil }
        return Hex.decode(hex)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        self.count >= width ? self : String(repeating: pad, count: width - self.count) + self
    }
}
