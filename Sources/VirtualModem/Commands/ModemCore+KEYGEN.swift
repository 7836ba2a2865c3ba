import ATProtocol
import Crypto
import Secrets
import SimCore

extension ModemCore {
    /// `AT%KEYGEN=<sec_tag>,<key_type>[,<response_content>[,"<attributes>"[,"<key_usage>"]]]`
    ///
    /// Generates a P-256 key inside the modem and stores it; only the CSR (or public key) and a COSE envelope signed
    /// by the identity key leave the modem.
    mutating func handleKEYGEN(_ command: ATCommand) -> ATResponse {
        guard command.form == .set else { return command.form == .test ? .ok("%KEYGEN: ,(2,8),(0,1),,") : .error }
        guard (2...5).contains(command.parameters.count), let tag = command.parameter(0).uint32,
            let keyTypeValue = command.parameter(1).uint32, keyTypeValue == 2 || keyTypeValue == 8,
            let keyType = CredentialType(rawValue: UInt8(keyTypeValue))
        else { return .error }
        var responseContent: UInt32 = 0
        if !command.parameter(2).isAbsent {
            guard let value = command.parameter(2).uint32, value <= 1 else { return .error }
            responseContent = value
        }
        var subject = [SubjectAttribute(name: "CN", value: self.identity.deviceUUID)]
        if !command.parameter(3).isAbsent {
            guard let text = command.parameter(3).quotedBytes else { return .error }
            if !text.isEmpty {
                guard let parsed = SubjectAttribute.parseList(String(decoding: text, as: UTF8.self)) else {
                    return .error
                }
                subject = parsed
            }
        }
        var keyUsage = Array("111010000").map { $0 == "1" }
        if !command.parameter(4).isAbsent {
            guard let text = command.parameter(4).quotedBytes, text.count == 9,
                text.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") })
            else { return .error }
            keyUsage = text.map { $0 == UInt8(ascii: "1") }
        }
        guard self.isWritableTag(tag) else { return .error }
        if self.lteActive { return .cme(.notAllowedInActiveState) }

        let existing = self.credentials.entry(tag: tag, type: keyType)
        let keyScalar: [UInt8]
        if let existing, keyType == .endorsementKey {
            keyScalar = existing.content
        } else {
            if existing != nil, !self.options.keygenOverwritesKeys { return .cme(.alreadyExists) }
            // A label of its own per tag, type and key it replaces, so that a seeded modem's keys are reproducible
            // and still all different.
            let replaced = existing.map { Hex.upper(Array(SHA256.hash(data: $0.content))) } ?? "none"
            keyScalar = self.secrets.p256Scalar(label: "modem %KEYGEN sec_tag=\(tag) type=\(keyType.rawValue) replacing=\(replaced)")
        }
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: keyScalar) else {
            return .cme(.keyGenerationFailed)
        }
        let part1: [UInt8]
        do {
            part1 =
                responseContent == 0
                ? try CertificateSigningRequest.make(key: key, subject: subject, keyUsage: keyUsage)
                : Array(key.publicKey.derRepresentation)
        } catch {
            return .cme(.keyGenerationFailed)
        }
        let payload = CBOR.tag(
            55799,
            CBOR.array(
                CBOR.unsigned(responseContent == 0 ? 9 : 8),
                CBOR.bytes(UUIDText.parse(self.identity.deviceUUID)!),
                CBOR.bytes(CBOR.unsigned(UInt64(tag))),
                CBOR.bytes(Array(SHA256.hash(data: part1))),
                CBOR.bytes(SecureRandom.bytes(16))))
        guard let cose = try? COSESign1.attached(payload: payload, key: self.identity.identityKey) else {
            return .cme(.keyGenerationFailed)
        }
        if existing?.content != keyScalar {
            guard self.credentials.put(Credential(tag: tag, type: keyType, content: keyScalar)) else {
                return .cme(.memoryFull)
            }
        }
        return .ok("%KEYGEN: \"\(Base64URL.encode(part1)).\(Base64URL.encode(cose))\"")
    }

    /// `AT%ATTESTTOKEN[="<32 hex challenge>"]`: the device identity attestation token.
    mutating func handleATTESTTOKEN(_ command: ATCommand) -> ATResponse {
        let nonce: [UInt8]
        switch command.form {
        case .action:
            nonce = SecureRandom.bytes(16)
        case .set:
            guard command.parameters.count == 1, let text = command.parameter(0).quotedBytes, text.count == 32,
                let challenge = Hex.decode(String(decoding: text, as: UTF8.self))
            else { return .error }
            nonce = challenge
        case .read, .test:
            return .error
        }
        let body = CBOR.tag(
            55799,
            CBOR.array(
                CBOR.unsigned(1),
                CBOR.bytes(UUIDText.parse(self.identity.deviceUUID)!),
                CBOR.unsigned(UInt64(self.profile.attestationDeviceType)),
                CBOR.bytes(UUIDText.parse(self.identity.firmwareUUID)!),
                CBOR.bytes(nonce)))
        guard let cose = try? COSESign1.detached(payload: body, key: self.identity.identityKey) else {
            return .error
        }
        return .ok("%ATTESTTOKEN: \"\(Base64URL.encode(body)).\(Base64URL.encode(cose))\"")
    }
}
