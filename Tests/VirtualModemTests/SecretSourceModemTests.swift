import Crypto
import Foundation
import Logging
import Secrets
import SimCore
import Testing
@testable import VirtualModem

@Suite("Where the modem's keys come from")
struct SecretSourceModemTests {
    private func keygenPublicKey(_ modem: Modem, tag: Int = 16842753) throws -> [UInt8] {
        try #require(decodeTwoPartReply(modem.execute("AT%KEYGEN=\(tag),2,1"))).part1
    }

    private func modem(_ secrets: SecretSource, publicValues: SeededGenerator? = nil) -> Modem {
        Modem(
            core: .factoryNew(profile: .nrf9161, secrets: secrets, publicValues: publicValues), storeFile: nil,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test("without --seed, two modems whose public stream starts alike share their IMEI and UUID but no key")
    func sameStartNoSharedKeys() throws {
        let first = self.modem(.system, publicValues: SeededGenerator(seed: 42))
        let second = self.modem(.system, publicValues: SeededGenerator(seed: 42))
        #expect(first.identity.deviceUUID == second.identity.deviceUUID)
        #expect(first.identity.imei == second.identity.imei)
        #expect(first.snapshot.identity.identityKeyRaw != second.snapshot.identity.identityKeyRaw)
        #expect(try self.keygenPublicKey(first) != self.keygenPublicKey(second))
    }

    @Test("with --seed, two fresh modems have the same identity and make the same keys, every key different")
    func seededIsReproducible() throws {
        let first = self.modem(.reproducible(seed: 2026))
        let second = self.modem(.reproducible(seed: 2026))
        #expect(first.identity == second.identity)
        let keys = try [self.keygenPublicKey(first, tag: 10), self.keygenPublicKey(first, tag: 11)]
        #expect(try [self.keygenPublicKey(second, tag: 10), self.keygenPublicKey(second, tag: 11)] == keys)
        #expect(keys[0] != keys[1])
        let other = self.modem(.reproducible(seed: 2027))
        #expect(other.identity.deviceUUID != first.identity.deviceUUID)
        #expect(try self.keygenPublicKey(other, tag: 10) != keys[0])
    }

    @Test("with --seed, a key that replaces another (--keygen-overwrite) is new, and reproducible too")
    func seededOverwrite() throws {
        var options = ModemCore.Options()
        options.keygenOverwritesKeys = true
        func make() -> Modem {
            Modem(
                core: .factoryNew(profile: .nrf9161, secrets: .reproducible(seed: 5), options: options), storeFile: nil,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        let (first, second) = (make(), make())
        let original = try self.keygenPublicKey(first)
        let replacement = try self.keygenPublicKey(first)
        #expect(original != replacement)
        #expect(try [self.keygenPublicKey(second), self.keygenPublicKey(second)] == [original, replacement])
    }

    @Test("nonces come from the CSPRNG even with --seed: two seeded modems' attestation tokens differ")
    func noncesAreNotSeeded() {
        let first = self.modem(.reproducible(seed: 9)).execute("AT%ATTESTTOKEN")
        let second = self.modem(.reproducible(seed: 9)).execute("AT%ATTESTTOKEN")
        #expect(first.hasSuffix("OK\r\n") && second.hasSuffix("OK\r\n"))
        #expect(first != second)
    }
}
