import Crypto

/// COSE_Sign1 envelopes (RFC 9052 §4.2) as the modem makes them for `%KEYGEN` and `%ATTESTTOKEN` (nRF91 AT Commands
/// reference, docs.nordicsemi.com/bundle/ref_at_commands): ES256, signed by the device identity key, with the key id
/// `-2` ("identity_key") in the unprotected header, the values nrfcloud-utils 3.3.1 `parse_cose()` accepts
/// (`nrfcloud_utils/modem_credentials_parser.py:39-40`, `:197`).
enum COSESign1 {
    /// `{1: -7}`: alg ES256, as a byte string.
    static let protectedHeader: [UInt8] = [0xA1, 0x01, 0x26]
    /// `{4: h'21'}`: kid = CBOR(-2).
    static let unprotectedHeader: [UInt8] = [0xA1, 0x04, 0x41, 0x21]

    /// A COSE_Sign1 that carries `payload`.
    static func attached(payload: [UInt8], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let signature = try Self.sign(payload, key: key)
        return CBOR.tag(
            18,
            CBOR.array(CBOR.bytes(Self.protectedHeader), Self.unprotectedHeader, CBOR.bytes(payload), CBOR.bytes(signature)))
    }

    /// A COSE_Sign1 over `payload` with a null (detached) payload, as `%ATTESTTOKEN` sends it.
    static func detached(payload: [UInt8], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let signature = try Self.sign(payload, key: key)
        return CBOR.tag(
            18, CBOR.array(CBOR.bytes(Self.protectedHeader), Self.unprotectedHeader, CBOR.null, CBOR.bytes(signature)))
    }

    /// Signs `Sig_structure = ["Signature1", protected, h'', payload]`; returns r‖s.
    private static func sign(_ payload: [UInt8], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let toBeSigned = CBOR.array(
            CBOR.text("Signature1"), CBOR.bytes(Self.protectedHeader), CBOR.bytes([]), CBOR.bytes(payload))
        return Array(try key.signature(for: toBeSigned).rawRepresentation)
    }
}
