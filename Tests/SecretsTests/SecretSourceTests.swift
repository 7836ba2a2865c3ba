import Crypto
import Secrets
import SimCore
import Testing

@Suite("SecretSource")
struct SecretSourceTests {
    @Test("the CSPRNG never repeats itself")
    func systemDiffers() {
        #expect(SecretSource.system.bytes(32, label: "a") != SecretSource.system.bytes(32, label: "a"))
        #expect(SecureRandom.bytes(16) != SecureRandom.bytes(16))
        #expect(SecureRandom.hex(24).count == 48)
        #expect(SecureRandom.base64(32).count == 44)
        #expect(!SecretSource.system.isReproducible)
    }

    @Test("a seed gives the same secret for a label every time, and a different one for another label or seed")
    func seededDerivation() {
        let source = SecretSource.reproducible(seed: 7)
        #expect(source.isReproducible)
        #expect(source.bytes(32, label: "k") == SecretSource.reproducible(seed: 7).bytes(32, label: "k"))
        #expect(source.bytes(32, label: "k") != source.bytes(32, label: "l"))
        #expect(source.bytes(32, label: "k") != SecretSource.reproducible(seed: 8).bytes(32, label: "k"))
    }

    @Test("seeded secrets are HKDF-SHA256 of the seed (RFC 5869), with the scheme's salt and the label as info")
    func hkdfVector() {
        let seed: [UInt8] = [7, 0, 0, 0, 0, 0, 0, 0]
        let expected = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: seed), salt: Array("nrfsim --seed secrets v1".utf8),
            info: Array("k".utf8), outputByteCount: 32
        ).withUnsafeBytes { Array($0) }
        #expect(SecretSource.reproducible(seed: 7).bytes(32, label: "k") == expected)
    }

    @Test("P-256 scalars are valid keys")
    func scalars() throws {
        for source in [SecretSource.system, .reproducible(seed: 1)] {
            _ = try P256.Signing.PrivateKey(rawRepresentation: source.p256Scalar(label: "identity"))
        }
    }

    @Test("the public stream of a seed is not the seed's own SplitMix64 stream, and is reproducible")
    func publicStream() {
        var direct = SeededGenerator(seed: 7)
        var derived = SecretSource.reproducible(seed: 7).publicValues()
        var again = SecretSource.reproducible(seed: 7).publicValues()
        let values = (0..<4).map { _ in derived.next() }
        #expect(values != (0..<4).map { _ in direct.next() })
        #expect(values == (0..<4).map { _ in again.next() })
        var first = SecretSource.system.publicValues()
        var second = SecretSource.system.publicValues()
        #expect(first.next() != second.next())
    }

    @Test("its description never shows the seed")
    func redactedDescription() {
        #expect(!"\(SecretSource.reproducible(seed: 123_456_789))".contains("123456789"))
        #expect(!String(reflecting: SecretSource.reproducible(seed: 123_456_789)).contains("123456789"))
    }
}
