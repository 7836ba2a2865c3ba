import ATProtocol
import Crypto
import Foundation
import Secrets
import SimCore

extension ModemCore {
    /// `AT%JWT=<alg>,<exp_delta_s>[,"<subject>","<audience>"[,<sec_tag>,<key_type>]]`: a JSON Web Token signed
    /// ES256 by the device identity key (or by the key in `sec_tag`), whose `iss` is `<chip>.<device UUID>` and
    /// `jti` `<chip>.<firmware UUID>.<nonce>` (what `modem_jwt_get_uuids()` reads). Only `alg` 0 (ES256) exists.
    /// The modem has no network time here, so `iat`/`exp` are left out.
    mutating func handleJWT(_ command: ATCommand) -> ATResponse {
        guard command.form == .set, (2...6).contains(command.parameters.count),
            command.parameter(0).uint32 == 0, command.parameter(1).uint32 != nil
        else { return .error }
        var claims: [(String, String)] = [
            ("jti", "\(self.profile.chip).\(self.identity.firmwareUUID).\(SecureRandom.hex(16))"),
            ("iss", "\(self.profile.chip).\(self.identity.deviceUUID)"),
        ]
        for (index, name) in [(2, "sub"), (3, "aud")] where command.parameters.count > index {
            guard let value = command.parameter(index).quotedBytes else { return .error }
            if !value.isEmpty { claims.append((name, String(decoding: value, as: UTF8.self))) }
        }
        var key = self.identity.identityKey
        if command.parameters.count > 4 {
            guard let tag = command.parameter(4).uint32,
                let stored = self.credentials.entry(tag: tag, type: .clientPrivateKey), stored.content.count == 32,
                let tagKey = try? P256.Signing.PrivateKey(rawRepresentation: stored.content)
            else { return .cme(.notFound) }
            key = tagKey
        }
        let header = Base64URL.encode(Array(#"{"alg":"ES256","typ":"JWT"}"#.utf8))
        let body = "{" + claims.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
        let signingInput = header + "." + Base64URL.encode(Array(body.utf8))
        guard let signature = try? key.signature(for: Data(signingInput.utf8)) else { return .error }
        return .ok("%JWT: \"\(signingInput).\(Base64URL.encode(Array(signature.rawRepresentation)))\"")
    }
}
