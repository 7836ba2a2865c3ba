/// `%CMNG` credential types 0–11 (Nordic AT reference; names as nrfcredstore's `CredType`).
public enum CredentialType: UInt8, CaseIterable, Codable, Sendable {
    case rootCACertificate = 0
    case clientCertificate = 1
    case clientPrivateKey = 2
    case presharedKey = 3
    case presharedKeyIdentity = 4
    case publicKey = 5
    case deviceIdentityPublicKey = 6
    case reserved = 7
    case endorsementKey = 8
    case ownershipKey = 9
    case nordicIdentityRootCA = 10
    case nordicPublicKey = 11

    /// Whether `%CMNG=0` may write this type (5 only through authenticated AT; 6–11 belong to the modem).
    var isWritable: Bool { self.rawValue <= 4 }

    /// Whether `%CMNG=2` refuses to return the content (secrets never leave the modem).
    var isSecret: Bool {
        switch self {
        case .clientPrivateKey, .presharedKey, .endorsementKey, .ownershipKey: return true
        default: return false
        }
    }
}

/// Security tag ranges (Nordic AT reference, `nrf_socket.h`).
public enum SecurityTag {
    /// The highest tag a user may store credentials in.
    public static let userMaximum: UInt32 = 2_147_483_647
    /// The TLS-decrypt test tags, writable on mfw_nrf91x1 2.0.0 and later.
    public static let tlsDecryptRange: ClosedRange<UInt32> = 2_147_483_648...2_147_483_667
    /// Tags above this hold the modem's own, read-only entries.
    public static func isModemReserved(_ tag: UInt32) -> Bool { tag > Self.tlsDecryptRange.upperBound }
}
