import Foundation
import SimCore

/// Secret bytes from the operating system's CSPRNG.
///
/// `SystemRandomNumberGenerator` is Swift's cryptographically secure generator: on Linux it reads `getrandom(2)`,
/// on Apple platforms `arc4random_buf(3)` (Swift standard library, `SystemRandomNumberGenerator` documentation).
/// Every key, token, password and nonce of nrfsim that is not derived from `--seed` comes from here, never from the
/// simulation's seeded generator.
public enum SecureRandom {
    /// `count` bytes from the CSPRNG.
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return generator.bytes(count)
    }

    /// `count` bytes from the CSPRNG as lower-case hex (`2 × count` characters).
    public static func hex(_ count: Int) -> String {
        Self.bytes(count).map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }

    /// `count` bytes from the CSPRNG in standard base64, as Azure's generated symmetric keys are.
    public static func base64(_ count: Int) -> String {
        Data(Self.bytes(count)).base64EncodedString()
    }

    /// A 64-bit value from the CSPRNG, e.g. to seed a non-secret simulation stream.
    public static func word() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}
