import Crypto
import SimCore

/// Helpers for the modem's P-256 keys.
enum P256Key {
    /// A valid private scalar drawn from `rng`. Only for the fixed stand-ins of Nordic's public keys: a device's own
    /// keys come from its ``SecretSource``.
    static func randomScalar(using rng: inout some RandomNumberGenerator) -> [UInt8] {
        while true {
            let candidate = rng.bytes(32)
            if (try? P256.Signing.PrivateKey(rawRepresentation: candidate)) != nil {
                return candidate
            }
        }
    }
}
