import Crypto

/// One subject attribute of a `%KEYGEN` CSR, such as `CN=<device UUID>`.
struct SubjectAttribute: Equatable, Sendable {
    /// The attribute names the modem accepts, with their object identifiers.
    static let known: [String: [UInt8]] = [
        "C": DER.OID.country, "ST": DER.OID.stateOrProvince, "L": DER.OID.locality,
        "O": DER.OID.organization, "OU": DER.OID.organizationalUnit, "CN": DER.OID.commonName,
    ]

    var name: String
    var value: String

    /// Parses `"O=Nordic Semiconductor,L=PDX,C=no"`; nil when any part is not `KNOWN=non-empty`.
    static func parseList(_ text: String) -> [SubjectAttribute]? {
        var attributes: [SubjectAttribute] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = part.firstIndex(of: "=") else { return nil }
            let name = part[..<equals].trimmingBlanks().uppercased()
            let value = String(part[part.index(after: equals)...])
            guard Self.known[name] != nil, !value.isEmpty else { return nil }
            attributes.append(SubjectAttribute(name: name, value: value))
        }
        return attributes
    }
}

extension Substring {
    func trimmingBlanks() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// Builds the PKCS#10 CSR the modem returns from `%KEYGEN` (the nRF9160 AT Commands reference,
/// docs.nordicsemi.com/bundle/ref_at_commands/page/REF/at_commands/security/keygen_set.html; read back by
/// nrfcloud-utils 3.3.1 `parse_keygen_output()`, `nrfcloud_utils/modem_credentials_parser.py:282`): the subject's RDNs
/// in the given order as UTF8Strings, the P-256 public key, a keyUsage extension request, self-signed with
/// ecdsa-with-SHA256.
enum CertificateSigningRequest {
    /// - Parameters:
    ///   - key: the newly generated key; signs the request.
    ///   - subject: RDNs in order, one attribute per SET.
    ///   - keyUsage: nine `0`/`1` flags, digitalSignature first.
    /// - Returns: the CSR in DER.
    static func make(key: P256.Signing.PrivateKey, subject: [SubjectAttribute], keyUsage: [Bool]) throws -> [UInt8] {
        let name = DER.sequence(
            subject.flatMap { attribute in
                DER.set(
                    DER.sequence(
                        DER.objectIdentifier(SubjectAttribute.known[attribute.name]!),
                        DER.utf8String(attribute.value)))
            })
        let keyUsageExtension = DER.sequence(
            DER.objectIdentifier(DER.OID.keyUsage),
            DER.octetString(Self.keyUsageBitString(keyUsage)))
        let attributes = DER.tlv(
            0xA0,
            DER.sequence(
                DER.objectIdentifier(DER.OID.extensionRequest),
                DER.set(DER.sequence(keyUsageExtension))))
        let info = DER.sequence(DER.integerZero, name, Array(key.publicKey.derRepresentation), attributes)
        let signature = try key.signature(for: info)
        return DER.sequence(
            info,
            DER.sequence(DER.objectIdentifier(DER.OID.ecdsaWithSHA256)),
            DER.bitString(unusedBits: 0, Array(signature.derRepresentation)))
    }

    /// A named-bit BIT STRING in minimal form: trailing zero bits are dropped and counted as unused.
    static func keyUsageBitString(_ flags: [Bool]) -> [UInt8] {
        guard let last = flags.lastIndex(of: true) else {
            return DER.bitString(unusedBits: 0, [])
        }
        let bitCount = last + 1
        var bytes = [UInt8](repeating: 0, count: (bitCount + 7) / 8)
        for (index, flag) in flags.prefix(bitCount).enumerated() where flag {
            bytes[index / 8] |= 0x80 >> UInt8(index % 8)
        }
        return DER.bitString(unusedBits: UInt8(bytes.count * 8 - bitCount), bytes)
    }
}
