import ATProtocol
import Logging
import Secrets
import SimCore
import Synchronization

/// A running modem: the AT state machine, its persisted store, and logging.
///
/// Thread-safe: the pty front end and the simulated firmware (through its AT client) share one instance, so CMEE,
/// CFUN and the credential store are shared exactly as on the device.
public final class Modem: Sendable {
    private let core: Mutex<ModemCore>
    private let storeFile: ModemStoreFile?
    private let logger: Logger
    private let linkObservers = Mutex<[@Sendable (Bool) -> Void]>([])

    /// - Parameters:
    ///   - core: the initial state.
    ///   - storeFile: where every change is persisted before it is acknowledged; nil keeps the store in memory.
    ///   - logger: receives warnings for unsupported or malformed commands. Secrets are never logged.
    public init(core: ModemCore, storeFile: ModemStoreFile?, logger: Logger) {
        self.core = Mutex(core)
        self.storeFile = storeFile
        self.logger = logger
    }

    /// Opens the modem kept in `stateDirectory`, creating a factory-new one (and its identity) on first use.
    /// - Parameter secrets: where a new identity key and every `%KEYGEN` key come from.
    /// - Throws: ``ModemStoreError`` if the stored state cannot be read; it is never overwritten then.
    public static func open(
        stateDirectory: String, profile: ModemProfile, secrets: SecretSource, options: ModemCore.Options = .init(),
        logger: Logger
    ) throws(ModemStoreError) -> Modem {
        let file = try ModemStoreFile(directory: stateDirectory)
        if let warning = DurableFile.loosePermissionsWarning(file.path) { logger.warning("\(warning)") }
        let core: ModemCore
        if let nvm = try file.load() {
            core = ModemCore(profile: profile, nvm: nvm, secrets: secrets, options: options)
            logger.info("modem store loaded", metadata: ["modem.store": "\(file.path)"])
        } else {
            core = ModemCore.factoryNew(profile: profile, secrets: secrets, options: options)
            logger.info("new modem identity created", metadata: ["modem.store": "\(file.path)"])
        }
        if core.nvm != (try file.load()) {
            try file.save(core.nvm)
        }
        return Modem(core: core, storeFile: file, logger: logger)
    }

    /// The modem's identity.
    public var identity: ModemIdentity { self.core.withLock { $0.identity } }

    /// A copy of the current state, for inspection.
    public var snapshot: ModemCore { self.core.withLock { $0 } }

    /// Executes one framed command line.
    /// - Returns: the bytes to write back: the response, then any unsolicited result codes it raised.
    public func handle(line: [UInt8]) -> [UInt8] {
        let command: ATCommand
        do {
            command = try ATCommand.parse(line)
        } catch {
            self.logger.warning(
                "malformed AT command: \(error)",
                metadata: ["modem.at_line": "\(ATLogging.redacted(line))"])
            return ATResponse.error.encoded(cmeeEnabled: false)
        }
        let (out, linkChange) = self.core.withLock { core -> ([UInt8], Bool?) in
            let wasActive = core.lteActive
            let out = self.execute(command, in: &core)
            return (out, core.lteActive != wasActive ? core.lteActive : nil)
        }
        if let linkChange {
            for observer in self.linkObservers.withLock({ $0 }) { observer(linkChange) }
        }
        return out
    }

    /// Registers for LTE link changes (`+CEREG` registered or not), whichever AT client caused them. Observers run
    /// on the thread of that client, after its command completed.
    public func onLinkChange(_ observer: @escaping @Sendable (_ registered: Bool) -> Void) {
        self.linkObservers.withLock { $0.append(observer) }
    }

    private func execute(_ command: ATCommand, in core: inout ModemCore) -> [UInt8] {
        let before = core.credentials
        guard let response = core.execute(command) else {
            self.logger.warning(
                "unsupported AT command answered ERROR", metadata: ["modem.at_command": "\(command.name)"])
            return ATResponse.error.encoded(cmeeEnabled: core.cmeeEnabled)
        }
        var result = response
        if core.credentials != before, let storeFile = self.storeFile {
            do {
                try storeFile.save(core.nvm)
            } catch {
                self.logger.error("modem store not written; change rolled back: \(error)")
                core.credentials = before
                result = .error
            }
        }
        self.logger.debug(
            "AT command",
            metadata: ["modem.at_command": "\(ATLogging.summary(command))", "modem.at_result": "\(result.result)"])
        var out = result.encoded(cmeeEnabled: core.cmeeEnabled)
        for urc in core.unsolicited {
            out += Array((urc + "\r\n").utf8)
        }
        return out
    }

    /// Executes one command given as text and returns the response as text (for in-process clients and tests).
    public func execute(_ line: String) -> String {
        String(decoding: self.handle(line: Array(line.utf8)), as: UTF8.self)
    }

    /// The reply to a command that overflowed the line buffer.
    public func handleOverflow(length: Int) -> [UInt8] {
        self.logger.warning("AT command of \(length) bytes exceeds the line buffer; discarded")
        return ATResponse.error.encoded(cmeeEnabled: false)
    }
}

/// What the modem logs about commands: names and numbers, never credential content.
enum ATLogging {
    static func summary(_ command: ATCommand) -> String {
        let parameters = command.parameters.enumerated().map { index, parameter -> String in
            switch parameter {
            case .omitted, .empty: return ""
            case .token(let text):
                // %CMNG's content and passphrase may come unquoted (a bare hex PSK): never shown.
                return command.name == "%CMNG" && index >= Self.cmngSecretParameter ? "<\(text.utf8.count) bytes>" : text
            case .quoted(let bytes): return "\"<\(bytes.count) bytes>\""
            }
        }
        switch command.form {
        case .action: return "AT\(command.name)"
        case .read: return "AT\(command.name)?"
        case .test: return "AT\(command.name)=?"
        case .set: return "AT\(command.name)=" + parameters.joined(separator: ",")
        }
    }

    /// The index of `%CMNG`'s first parameter that can carry a secret (`<content>`, then `<passwd>`).
    static let cmngSecretParameter = 3

    /// A malformed line for the log: its first bytes up to any quote (and, for `%CMNG`, up to its content), so
    /// credential content never reaches the log.
    static func redacted(_ line: [UInt8]) -> String {
        var visible = line.prefix { $0 != UInt8(ascii: "\"") }.prefix(40)
        if String(decoding: line.prefix(7), as: UTF8.self).uppercased() == "AT%CMNG" {
            var commas = 0
            visible = visible.prefix { byte in
                if byte == UInt8(ascii: ",") { commas += 1 }
                return commas < Self.cmngSecretParameter
            }
        }
        let text = String(decoding: visible.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
        return visible.count < line.count ? text + "…(\(line.count) bytes)" : text
    }
}
