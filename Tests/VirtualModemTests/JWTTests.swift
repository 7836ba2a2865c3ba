import Crypto
import Foundation
import Testing

@testable import VirtualModem

@Suite("%JWT")
struct JWTTests {
    @Test func tokenNamesTheDeviceAndIsSignedByTheIdentityKey() throws {
        let modem = makeModem(profile: .nrf9161)
        let reply = modem.execute("AT%JWT=0,0,\"sub\",\"aud\"")
        #expect(reply.hasPrefix("%JWT: \"") && reply.hasSuffix("\"\r\nOK\r\n"))
        let token = reply.dropFirst(7).prefix { $0 != "\"" }
        let parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let header = try #require(base64URLDecode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"ES256","typ":"JWT"}"#)
        let body = try #require(base64URLDecode(parts[1]))
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        let identity = modem.identity
        #expect(claims["iss"] == "nRF9161.\(identity.deviceUUID)")
        #expect(claims["jti"]?.hasPrefix("nRF9161.\(identity.firmwareUUID).") == true)
        #expect(claims["sub"] == "sub" && claims["aud"] == "aud")
        let raw = try #require(base64URLDecode(parts[2]))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        #expect(modem.snapshot.identity.identityKey.publicKey.isValidSignature(signature, for: signed))
    }

    @Test(arguments: ["AT%JWT", "AT%JWT=1,0", "AT%JWT=0", "AT%JWT=0,x", "AT%JWT=0,0,sub"])
    func malformedRequestsAnswerError(_ command: String) {
        #expect(makeModem().execute(command) == "ERROR\r\n")
    }

    @Test func aTagWithoutAKeyIsNotFound() {
        let modem = makeModem()
        _ = modem.execute("AT+CMEE=1")
        #expect(modem.execute("AT%JWT=0,0,\"\",\"\",42,0") == "+CME ERROR: 513\r\n")
    }
}
