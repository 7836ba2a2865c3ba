import Crypto
import SimCore

/// Where a simulated device's secrets come from, and the separate stream its public identity values come from.
///
/// Without `--seed`, every secret is drawn from the CSPRNG (``SecureRandom``) and the public stream is a
/// ``SeededGenerator`` seeded from it, so nothing public tells anything about a key.
///
/// With `--seed N`, a device is reproducible: each secret is HKDF-SHA256 (RFC 5869) of the seed with a label of its
/// own (`info`), and the public stream is seeded by another HKDF label. Public values (IMEI, UUID, MAC) therefore
/// reveal at most the public stream's seed, from which no key follows; but anyone who knows or guesses `N` can
/// recompute every key, which is why a seeded device warns that its keys are for test use only.
public struct SecretSource: Sendable {
    private enum Origin: Sendable {
        case system
        case seed([UInt8])
    }

    private let origin: Origin

    /// Secrets from the CSPRNG.
    public static let system = SecretSource(origin: .system)

    /// Secrets derived from `seed` through HKDF-SHA256; reproducible, and therefore for test use only.
    public static func reproducible(seed: UInt64) -> SecretSource {
        SecretSource(origin: .seed((0..<8).map { UInt8(truncatingIfNeeded: seed >> (8 * UInt64($0))) }))
    }

    /// `seed` given: ``reproducible(seed:)``; nil: ``system``.
    public static func forSeed(_ seed: UInt64?) -> SecretSource {
        seed.map(Self.reproducible(seed:)) ?? .system
    }

    /// Whether the secrets follow from a seed (and must be announced as test-only).
    public var isReproducible: Bool {
        if case .seed = self.origin { return true }
        return false
    }

    /// `count` secret bytes for the purpose named by `label`. Labels must differ between secrets: from the CSPRNG
    /// they are ignored; from a seed they are what makes each secret independent of the others.
    public func bytes(_ count: Int, label: String) -> [UInt8] {
        switch self.origin {
        case .system:
            return SecureRandom.bytes(count)
        case .seed(let seed):
            let key = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: seed), salt: Array(Self.salt.utf8), info: Array(label.utf8),
                outputByteCount: count)
            return key.withUnsafeBytes { Array($0) }
        }
    }

    /// A valid P-256 private scalar (32 bytes, big-endian, in 1…n−1) for `label`.
    public func p256Scalar(label: String) -> [UInt8] {
        var attempt = 0
        while true {
            let candidate = self.bytes(32, label: attempt == 0 ? label : "\(label) #\(attempt)")
            if (try? P256.Signing.PrivateKey(rawRepresentation: candidate)) != nil { return candidate }
            attempt += 1
        }
    }

    /// The generator for the device's public identity values. It shares no stream with any secret.
    public func publicValues() -> SeededGenerator {
        switch self.origin {
        case .system:
            return SeededGenerator(seed: SecureRandom.word())
        case .seed:
            let bytes = self.bytes(8, label: "public identity values")
            return SeededGenerator(seed: bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        }
    }

    /// HKDF's salt: names this derivation scheme, so that a change of scheme changes every derived value.
    private static let salt = "nrfsim --seed secrets v1"
}

extension SecretSource: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never shows the seed: with it, anyone can recompute the keys.
    public var description: String { self.isReproducible ? "SecretSource(seeded)" : "SecretSource(system CSPRNG)" }
    public var debugDescription: String { self.description }
}
