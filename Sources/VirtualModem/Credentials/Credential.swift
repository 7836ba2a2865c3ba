import Crypto

/// One entry of the modem's credential store.
public struct Credential: Codable, Equatable, Sendable {
    public var tag: UInt32
    public var type: CredentialType
    /// The exact bytes written between the quotes (for generated keys, the key's internal encoding).
    var content: [UInt8]
    /// SHA-256 of ``content`` in upper-case hex: the `%CMNG` list's integrity handle.
    public var sha: String
    /// Whether the entry belongs to the modem and may not be changed or deleted.
    public var readOnly: Bool

    init(tag: UInt32, type: CredentialType, content: [UInt8], readOnly: Bool = false) {
        self.tag = tag
        self.type = type
        self.content = content
        self.sha = Hex.upper(SHA256.hash(data: content))
        self.readOnly = readOnly
    }

    /// The `%CMNG` list line for this entry.
    var listLine: String { "%CMNG: \(self.tag),\(self.type.rawValue),\"\(self.sha)\"" }
}
