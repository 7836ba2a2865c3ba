/// The `+CME ERROR` codes that nRF91 modem firmware returns for the commands nrfsim implements.
///
/// Codes and meanings follow the Nordic AT command reference for `%CMNG` and `%KEYGEN`, and the SDK's
/// `modem_key_mgmt` `translate_error()`.
public struct CMEError: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// 513: not found.
    public static let notFound = CMEError(rawValue: 513)
    /// 514: no access (read-only entry, secret credential).
    public static let noAccess = CMEError(rawValue: 514)
    /// 515: memory full.
    public static let memoryFull = CMEError(rawValue: 515)
    /// 518: not allowed in active state (LTE on).
    public static let notAllowedInActiveState = CMEError(rawValue: 518)
    /// 519: already exists.
    public static let alreadyExists = CMEError(rawValue: 519)
    /// 523: key generation failed.
    public static let keyGenerationFailed = CMEError(rawValue: 523)
    /// 527: invalid content.
    public static let invalidContent = CMEError(rawValue: 527)
    /// 528: power-off warning active.
    public static let powerOffWarning = CMEError(rawValue: 528)

    public var description: String { "+CME ERROR: \(self.rawValue)" }
}
