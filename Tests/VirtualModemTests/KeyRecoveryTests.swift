import Crypto
import Foundation
import Testing
@testable import VirtualModem

/// What an attacker who sees only a device's public values (its certificate's CN, the device UUID) can compute.
///
/// A SplitMix64 output step is invertible, so one output gives away the generator's state and every later output.
/// If the device UUID and the keys came from one such stream, the UUID's second half (one output, less the two bits
/// the variant overwrites) would give away the identity key and every `%KEYGEN` key drawn after it.
@Suite("Keys cannot be recomputed from public values")
struct KeyRecoveryTests {
    @Test("inverting SplitMix64 from the device UUID finds neither the identity key nor a %KEYGEN key", arguments: [UInt64(1), 7, 0xC0FFEE])
    func splitMixInversion(seed: UInt64) throws {
        let modem = makeModem(profile: .nrf9161, seed: seed)
        let reply = modem.execute("AT%KEYGEN=16842753,2,1")
        let keygenPublicKey = try #require(decodeTwoPartReply(reply)).part1
        let identityPublicKey = Array(modem.snapshot.identity.identityKey.publicKey.derRepresentation)
        let uuid = try #require(UUIDText.parse(modem.identity.deviceUUID))

        var recovered: [[UInt8]] = []
        for lostBits in UInt64(0)..<4 {
            var output = uuid[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            output = (output & ~0xC0) | (lostBits << 6)
            var state = SplitMix64Attack.state(producing: output)
            // The generator's next outputs, as the identity key and then the first %KEYGEN key would draw them.
            for _ in 0..<2 {
                var scalar: [UInt8] = []
                for _ in 0..<4 {
                    state &+= SplitMix64Attack.gamma
                    var word = SplitMix64Attack.mix(state)
                    for _ in 0..<8 {
                        scalar.append(UInt8(truncatingIfNeeded: word))
                        word >>= 8
                    }
                }
                if let key = try? P256.Signing.PrivateKey(rawRepresentation: scalar) {
                    recovered.append(Array(key.publicKey.derRepresentation))
                }
            }
        }
        #expect(recovered.count >= 4, "the attack must have produced candidates to compare")
        #expect(recovered.filter { $0 == identityPublicKey }.count == 0, "the identity key follows from the device UUID")
        #expect(recovered.filter { $0 == keygenPublicKey }.count == 0, "the %KEYGEN key follows from the device UUID")
    }
}

/// SplitMix64's output function and its inverse (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014).
enum SplitMix64Attack {
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let first: UInt64 = 0xBF58_476D_1CE4_E5B9
    static let second: UInt64 = 0x94D0_49BB_1331_11EB

    static func mix(_ state: UInt64) -> UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* first
        z = (z ^ (z >> 27)) &* second
        return z ^ (z >> 31)
    }

    /// The state whose output is `output`.
    static func state(producing output: UInt64) -> UInt64 {
        var z = unshift(output, 31)
        z = unshift(z &* inverse(second), 27)
        return unshift(z &* inverse(first), 30)
    }

    /// Undoes `x ^ (x >> shift)`.
    private static func unshift(_ value: UInt64, _ shift: UInt64) -> UInt64 {
        var x = value
        for _ in 0..<(64 / shift + 1) { x = value ^ (x >> shift) }
        return x
    }

    /// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
    private static func inverse(_ odd: UInt64) -> UInt64 {
        var inverse = odd
        for _ in 0..<6 { inverse = inverse &* (2 &- odd &* inverse) }
        return inverse
    }
}
