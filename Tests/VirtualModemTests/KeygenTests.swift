import Crypto
import Foundation
import Testing
@testable import VirtualModem

@Suite("%KEYGEN and %ATTESTTOKEN byte formats, as a real modem's")
struct KeygenTests {
    @Test("the CSR has the real modem's structure, default CN and key usage, and a valid self-signature")
    func csrStructure() throws {
        let modem = makeModem()
        let reply = modem.execute("AT%KEYGEN=16842753,2,0")
        let (csr, _) = try #require(decodeTwoPartReply(reply))
        let uuid = modem.identity.deviceUUID
        // CertificationRequestInfo up to the public key, as decoded from a real modem.
        let infoPrefix = hex("30 81 AF 02 01 00 30 2F 31 2D 30 2B 06 03 55 04 03 0C 24") + Array(uuid.utf8)
            + hex("30 59 30 13 06 07 2A 86 48 CE 3D 02 01 06 08 2A 86 48 CE 3D 03 01 07 03 42 00 04")
        #expect(Array(csr[4..<(4 + infoPrefix.count)]) == infoPrefix)
        let extensionRequest = hex("A0 1E 30 1C 06 09 2A 86 48 86 F7 0D 01 09 0E 31 0F 30 0D 30 0B 06 03 55 1D 0F 04 04 03 02 03 E8")
        let infoEnd = 4 + 0xAF + 3
        #expect(Array(csr[(infoEnd - extensionRequest.count)..<infoEnd]) == extensionRequest)
        #expect(Array(csr[infoEnd..<(infoEnd + 12)]) == hex("30 0A 06 08 2A 86 48 CE 3D 04 03 02"))
        // The self-signature verifies with the public key inside the request.
        let publicKeyStart = 4 + infoPrefix.count - 1
        let publicKey = try P256.Signing.PublicKey(x963Representation: csr[publicKeyStart..<(publicKeyStart + 65)])
        let signatureDER = Array(csr[(infoEnd + 12 + 3)...])
        let signature = try P256.Signing.ECDSASignature(derRepresentation: signatureDER)
        #expect(publicKey.isValidSignature(signature, for: Array(csr[4..<infoEnd])))
        // The stored private key is the one that signed.
        let stored = try #require(modem.snapshot.credentials.entry(tag: 16842753, type: .clientPrivateKey))
        #expect(try P256.Signing.PrivateKey(rawRepresentation: stored.content).publicKey.rawRepresentation == publicKey.rawRepresentation)
    }

    @Test("the COSE_Sign1 carries the CSR digest, device UUID and sec_tag, signed by the identity key")
    func coseStructure() throws {
        let modem = makeModem()
        let (csr, cose) = try #require(decodeTwoPartReply(modem.execute("AT%KEYGEN=16842753,2,0")))
        #expect(Array(cose.prefix(10)) == hex("D2 84 43 A1 01 26 A1 04 41 21"))
        #expect(Array(cose[10..<12]) == hex("58 4F"))  // 79-byte payload for tag 16842753
        let payload = Array(cose[12..<(12 + 79)])
        let uuid = try #require(UUIDText.parse(modem.identity.deviceUUID))
        let expectedStart = hex("D9 D9 F7 85 09 50") + uuid + hex("45 1A 01 01 00 01 58 20") + Array(SHA256.hash(data: csr))
        #expect(Array(payload.prefix(expectedStart.count)) == expectedStart)
        #expect(payload.count == expectedStart.count + 17)
        #expect(Array(cose[(12 + 79)..<(12 + 79 + 2)]) == hex("58 40"))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: cose.suffix(64))
        let toBeSigned = hex("84 6A") + Array("Signature1".utf8) + hex("43 A1 01 26 40 58 4F") + payload
        #expect(modem.snapshot.identity.identityKey.publicKey.isValidSignature(signature, for: toBeSigned))
    }

    @Test("response content 1 returns the 91-byte public key and payload id 8")
    func publicKeyResponse() throws {
        let modem = makeModem()
        let (spki, cose) = try #require(decodeTwoPartReply(modem.execute("AT%KEYGEN=17,2,1")))
        #expect(spki.count == 91)
        #expect(try P256.Signing.PublicKey(derRepresentation: spki).derRepresentation.count == 91)
        #expect(Array(cose[10..<19]) == hex("58 4B D9 D9 F7 85 08 50") + [cose[18]])
    }

    @Test("custom attributes become RDNs in order, and the key usage string is encoded minimally")
    func attributesAndKeyUsage() throws {
        let modem = makeModem()
        let (csr, _) = try #require(decodeTwoPartReply(modem.execute("AT%KEYGEN=19,2,0,\"O=Nordic Semiconductor,L=PDX,C=no\",\"101010000\"")))
        let name = DER.sequence(
            DER.set(DER.sequence(DER.objectIdentifier(DER.OID.organization), DER.utf8String("Nordic Semiconductor"))),
            DER.set(DER.sequence(DER.objectIdentifier(DER.OID.locality), DER.utf8String("PDX"))),
            DER.set(DER.sequence(DER.objectIdentifier(DER.OID.country), DER.utf8String("no"))))
        #expect(csr.firstRange(of: name) != nil)
        #expect(csr.firstRange(of: hex("06 03 55 1D 0F 04 04 03 02 03 A8")) != nil)
    }

    @Test("key usage bit strings", arguments: [("111010000", "03 02 03 E8"), ("100000000", "03 02 07 80"), ("000000000", "03 01 00"), ("000000001", "03 03 07 00 80")])
    func keyUsageBits(_ flags: String, _ expected: String) {
        #expect(CertificateSigningRequest.keyUsageBitString(flags.map { $0 == "1" }) == hex(expected))
    }

    @Test("the attestation token has the identity message layout and a detached signature")
    func attestationToken() throws {
        let modem = makeModem(profile: .nrf9151)
        let (body, cose) = try #require(decodeTwoPartReply(modem.execute("AT%ATTESTTOKEN=\"000102030405060708090a0b0c0d0e0f\"")))
        let identity = modem.identity
        let expected = hex("D9 D9 F7 85 01 50") + UUIDText.parse(identity.deviceUUID)! + [0x06, 0x50]
            + UUIDText.parse(identity.firmwareUUID)! + [0x50] + Array(0..<16)
        #expect(body == expected)
        #expect(body.count == 57 && cose.count == 77)
        #expect(Array(cose.prefix(13)) == hex("D2 84 43 A1 01 26 A1 04 41 21 F6 58 40"))
        let toBeSigned = hex("84 6A") + Array("Signature1".utf8) + hex("43 A1 01 26 40 58 39") + body
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: cose.suffix(64))
        #expect(modem.snapshot.identity.identityKey.publicKey.isValidSignature(signature, for: toBeSigned))
        // Each half stays within what the SDK's modem_attest_token parser accepts.
        let halves = modem.execute("AT%ATTESTTOKEN").split(separator: "\"")[1].split(separator: ".")
        #expect(halves.allSatisfy { $0.count <= 127 })
    }

    @Test("identities: valid Luhn IMEIs, UUIDv4 device ids, distinct per seed, fixed firmware UUID per revision")
    func identities() {
        var seen = Set<String>()
        for seed in UInt64(0)..<200 {
            let identity = makeModem(seed: seed).identity
            #expect((try? identity.validate()) != nil)
            #expect(identity.imei.hasPrefix("35265610"))
            let uuid = Array(identity.deviceUUID)
            #expect(uuid[14] == "4" && "89ab".contains(uuid[19]))
            #expect(identity.firmwareUUID == ModemIdentity.firmwareUUID(for: .nrf9160))
            seen.insert(identity.deviceUUID)
        }
        #expect(seen.count == 200)
        #expect(Luhn.checkDigit(for: "35265610036787") == 2)  // Nordic's documented IMEI 352656100367872
    }
}
