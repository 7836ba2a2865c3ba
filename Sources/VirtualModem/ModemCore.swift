import ATProtocol
import Crypto
import Secrets
import SimCore

/// The modem's behaviour as a pure state machine: one AT command in, one response out.
///
/// No I/O: ``Modem`` persists the store and logs; ``ModemTerminal`` frames bytes. Keys come from the injected
/// ``SecretSource`` (the CSPRNG, or HKDF of `--seed`, so that a seeded modem makes the same keys); nonces always
/// come from the CSPRNG, as do ECDSA signatures' own nonces inside the crypto library.
public struct ModemCore: Sendable {
    /// Switches that change documented-but-unverified behaviour.
    public struct Options: Sendable {
        /// `%KEYGEN` on a tag that already holds a key replaces it instead of answering 519.
        public var keygenOverwritesKeys = false
        /// Fault injection: the power-off warning is active, so `%CMNG` answers 528.
        public var powerOffWarning = false

        public init() {}
    }

    public let profile: ModemProfile
    public private(set) var identity: ModemIdentity
    public internal(set) var credentials: CredentialStore
    public var options: Options
    /// The last `+CFUN` mode set.
    public internal(set) var functionalMode = 0
    /// Whether LTE is on (`+CFUN` 1, 2 or 21, until 0, 4 or 20).
    public internal(set) var lteActive = false
    /// Whether the device registered since LTE came up (``linkUp``).
    var hasCell = false
    /// Whether `+CME ERROR` codes are reported (`AT+CMEE=1`).
    public internal(set) var cmeeEnabled = false
    /// The `+CEREG` unsolicited result mode.
    var registrationReporting = 0
    /// Unsolicited result codes raised by the last command, written after its response.
    public internal(set) var unsolicited: [String] = []
    /// Why the last command was refused, for the log (never credential content).
    public internal(set) var rejection: String?
    /// What the simulated network grants (PSM, eDRX, RRC inactivity) and the cell it reports.
    public var network = NetworkPolicy()
    /// The radio's power states while LTE is on.
    public internal(set) var radio = RadioLink(configuration: .init(rrcInactivity: .seconds(5)))
    /// The `+CPSMS` request (volatile here; lte_lc sets it at every modem init).
    public internal(set) var psmRequest = PSMRequest()
    /// The `+CEDRXS` requests by access technology.
    public internal(set) var edrxRequests: [EDRXNibble.AccessTechnology: EDRXRequest] = [:]
    /// The `%XPTW` requests by access technology.
    public internal(set) var pagingTimeWindowRequests: [EDRXNibble.AccessTechnology: EDRXNibble] = [:]
    /// `+CEDRXP`'s content before the command being executed, to notify only a change.
    var edrxReportBefore = ""
    /// The `+CSCON` unsolicited result mode (0-3).
    var connectionReporting = 0
    /// The time of the command being executed, on the modem's clock.
    var now: Duration = .zero
    /// Where `%KEYGEN` keys come from.
    let secrets: SecretSource

    /// A modem with the given persistent state.
    public init(profile: ModemProfile, nvm: ModemNVM, secrets: SecretSource, options: Options = Options()) {
        self.profile = profile
        self.identity = nvm.identity
        self.credentials = nvm.credentials
        self.secrets = secrets
        self.options = options
        self.installFactoryEntries()
    }

    /// A factory-new modem: a fresh identity and only the modem's own entries.
    /// - Parameters:
    ///   - secrets: where the identity key and later `%KEYGEN` keys come from.
    ///   - publicValues: the stream the IMEI and device UUID are drawn from; by default ``SecretSource/publicValues()``.
    public static func factoryNew(
        profile: ModemProfile, secrets: SecretSource, publicValues: SeededGenerator? = nil, options: Options = Options()
    ) -> ModemCore {
        var publicValues = publicValues ?? secrets.publicValues()
        let identity = ModemIdentity.generate(profile: profile, publicValues: &publicValues, secrets: secrets)
        return ModemCore(
            profile: profile, nvm: ModemNVM(identity: identity, credentials: CredentialStore()), secrets: secrets,
            options: options)
    }

    /// What must survive a restart.
    public var nvm: ModemNVM { ModemNVM(identity: self.identity, credentials: self.credentials) }

    /// Executes one parsed command.
    /// - Returns: the response, or nil when the command is not one the modem implements.
    public mutating func execute(_ command: ATCommand) -> ATResponse? {
        self.execute(command, at: self.now)
    }

    /// Executes one parsed command at `now` on the modem's clock, after running the radio's timers up to then.
    /// - Returns: the response, or nil when the command is not one the modem implements.
    public mutating func execute(_ command: ATCommand, at now: Duration) -> ATResponse? {
        self.unsolicited = []
        self.rejection = nil
        self.now = max(self.now, now)
        self.unsolicited = self.radioNotifications(self.radio.advance(to: self.now))
        guard let handler = Self.handlers[command.name] else { return nil }
        return handler(&self, command)
    }

    private static let handlers: [String: @Sendable (inout ModemCore, ATCommand) -> ATResponse] = [
        "": { _, command in command.form == .action ? .ok() : .error },
        "+CMEE": { $0.handleCMEE($1) },
        "+CFUN": { $0.handleCFUN($1) },
        "+CEREG": { $0.handleCEREG($1) },
        "+CGSN": { $0.handleCGSN($1) },
        "+CGMR": { $0.handleFixedString($1, $0.profile.firmwareRevision) },
        "+CGMM": { $0.handleFixedString($1, $0.profile.model) },
        "+CGMI": { $0.handleFixedString($1, "Nordic Semiconductor ASA") },
        "%HWVERSION": { $0.handleFixedString($1, "%HWVERSION: \($0.profile.hardwareVersion)") },
        "%SHORTSWVER": { $0.handleFixedString($1, "%SHORTSWVER: \($0.profile.shortSoftwareVersion)") },
        "%XMODEMUUID": { $0.handleFixedString($1, "%XMODEMUUID: \($0.identity.firmwareUUID)") },
        "%CMNG": { $0.handleCMNG($1) },
        "%KEYGEN": { $0.handleKEYGEN($1) },
        "%ATTESTTOKEN": { $0.handleATTESTTOKEN($1) },
        "%JWT": { $0.handleJWT($1) },
        "+CPSMS": { $0.handleCPSMS($1) },
        "+CEDRXS": { $0.handleCEDRXS($1) },
        "+CEDRXRDP": { $0.handleCEDRXRDP($1) },
        "%XPTW": { $0.handleXPTW($1) },
        "+CSCON": { $0.handleCSCON($1) },
        "%XMONITOR": { $0.handleXMONITOR($1) },
        "%FEACONF": { $0.handleFEACONF($1) },
    ]

    /// The modem-owned entries every nRF91 lists: the identity public key and Nordic's roots (read-only).
    private mutating func installFactoryEntries() {
        let identityPEM = Array(self.identity.identityKey.publicKey.pemRepresentation.utf8) + [0x0A]
        let factory: [(UInt32, CredentialType, [UInt8])] = [
            (4_294_967_294, .deviceIdentityPublicKey, identityPEM),
            (4_294_967_293, .nordicIdentityRootCA, FactoryKeys.nordicIdentityRootPEM),
            (4_294_967_292, .nordicPublicKey, FactoryKeys.nordicPublicKeyPEM),
        ]
        for (tag, type, content) in factory where self.credentials.entry(tag: tag, type: type)?.content != content {
            _ = self.credentials.put(Credential(tag: tag, type: type, content: content, readOnly: true))
        }
    }
}

/// Fixed keys standing in for Nordic's, the same on every simulated modem. Only their public halves are ever used:
/// they are published stand-ins, not secrets of any device, so a fixed derivation is what they need.
enum FactoryKeys {
    private static func publicKeyPEM(_ label: String) -> [UInt8] {
        var rng = SeededGenerator(seed: UInt64(label.utf8.reduce(5381) { ($0 &* 33) &+ UInt64($1) }))
        let key = try! P256.Signing.PrivateKey(rawRepresentation: P256Key.randomScalar(using: &rng))
        return Array(key.publicKey.pemRepresentation.utf8) + [0x0A]
    }

    static let nordicIdentityRootPEM = publicKeyPEM("nrfsim nordic identity root")
    static let nordicPublicKeyPEM = publicKeyPEM("nrfsim nordic public key")
}
