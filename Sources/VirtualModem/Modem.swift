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
    private let notificationObservers = Mutex<[@Sendable (String) -> Void]>([])
    private let radioObservers = Mutex<[@Sendable () -> Void]>([])
    /// Deliveries of held downlink, by the id the radio holds it under.
    private let pendingDownlink = Mutex<(nextID: UInt64, deliveries: [UInt64: @Sendable () -> Void])>((0, [:]))
    /// The modem's clock: the radio's timers run on it.
    public let clock: any SimClock

    /// - Parameters:
    ///   - core: the initial state.
    ///   - storeFile: where every change is persisted before it is acknowledged; nil keeps the store in memory.
    ///   - logger: receives warnings for unsupported or malformed commands. Secrets are never logged.
    ///   - clock: the time the radio's timers (RRC inactivity, PSM) run on.
    public init(core: ModemCore, storeFile: ModemStoreFile?, logger: Logger, clock: any SimClock = HostClock()) {
        self.core = Mutex(core)
        self.storeFile = storeFile
        self.logger = logger
        self.clock = clock
    }

    /// Opens the modem kept in `stateDirectory`, creating a factory-new one (and its identity) on first use.
    /// - Parameter secrets: where a new identity key and every `%KEYGEN` key come from.
    /// - Throws: ``ModemStoreError`` if the stored state cannot be read; it is never overwritten then.
    public static func open(
        stateDirectory: String, profile: ModemProfile, secrets: SecretSource, options: ModemCore.Options = .init(),
        network: NetworkPolicy = .init(), clock: any SimClock = HostClock(), logger: Logger
    ) throws(ModemStoreError) -> Modem {
        let file = try ModemStoreFile(directory: stateDirectory)
        if let warning = DurableFile.loosePermissionsWarning(file.path) { logger.warning("\(warning)") }
        var core: ModemCore
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
        core.network = network
        return Modem(core: core, storeFile: file, logger: logger, clock: clock)
    }

    /// The modem's identity.
    public var identity: ModemIdentity { self.core.withLock { $0.identity } }

    /// A copy of the current state, for inspection.
    public var snapshot: ModemCore { self.core.withLock { $0 } }

    /// Executes one framed command line from the UART.
    /// - Returns: the bytes to write back: the response, then any unsolicited result codes it raised (which the
    ///   notification observers get too).
    public func handle(line: [UInt8]) -> [UInt8] {
        guard let (response, notifications) = self.run(line) else { return ATResponse.error.encoded(cmeeEnabled: false) }
        return response + notifications.flatMap { Array(($0 + "\r\n").utf8) }
    }

    /// Executes one command for an in-process AT client (the firmware's `nrf_modem_at_cmd()`): the response alone;
    /// the unsolicited result codes it raised go to the notification observers, as the modem library's AT
    /// notification handler gets them.
    public func command(_ line: String) -> String {
        guard let (response, _) = self.run(Array(line.utf8)) else { return "ERROR\r\n" }
        return String(decoding: response, as: UTF8.self)
    }

    /// Parses and runs one line; nil when it does not parse.
    private func run(_ line: [UInt8]) -> (response: [UInt8], notifications: [String])? {
        let command: ATCommand
        do {
            command = try ATCommand.parse(line)
        } catch {
            self.logger.warning(
                "malformed AT command: \(error)",
                metadata: ["modem.at_line": "\(ATLogging.redacted(line))"])
            return nil
        }
        let now = self.clock.now
        let ((elapsed, out, notifications, linkChange), released) = self.radioStep { core in
            let elapsed = core.advanceRadio(to: now)
            let wasUp = core.linkUp
            let (out, notifications) = self.execute(command, in: &core, at: now)
            return (elapsed, out, notifications, core.linkUp != wasUp ? core.linkUp : nil)
        }
        self.notify(elapsed + notifications)
        self.deliver(released)
        self.notifyLink(linkChange)
        return (out, notifications)
    }

    private func notifyLink(_ change: Bool?) {
        guard let change else { return }
        for observer in self.linkObservers.withLock({ $0 }) { observer(change) }
    }

    /// The network changes what it grants (PSM, eDRX, RRC inactivity) while the device runs: applied as a TAU
    /// accept would apply it (``ModemCore/setNetwork(_:at:)``), its `+CEREG` and `+CEDRXP` notified.
    public func updateNetwork(_ change: (inout NetworkPolicy) -> Void) {
        let now = self.clock.now
        let (notifications, released) = self.radioStep { core in
            var policy = core.network
            change(&policy)
            return core.setNetwork(policy, at: now)
        }
        self.logger.debug("network policy changed", metadata: ["modem.network": "\(self.core.withLock { $0.network })"])
        self.notify(notifications)
        self.deliver(released)
    }

    /// The device leaves or re-enters coverage (``ModemCore/setCoverage(_:at:)``): `+CEREG: 2`, then registered.
    public func setCoverage(_ inCoverage: Bool) {
        let now = self.clock.now
        let ((notifications, linkChange), released) = self.radioStep { core in
            let wasUp = core.linkUp
            let notifications = core.setCoverage(inCoverage, at: now)
            return (notifications, core.linkUp != wasUp ? core.linkUp : nil)
        }
        self.logger.debug(inCoverage ? "coverage returned" : "coverage lost")
        self.notify(notifications)
        self.deliver(released)
        self.notifyLink(linkChange)
    }

    /// Registers for unsolicited result codes (without CRLF): those any command raised and those the radio's timers
    /// raise (``poll()``). Observers run on the thread that caused them, outside the modem's lock.
    public func onNotification(_ observer: @escaping @Sendable (_ notification: String) -> Void) {
        self.notificationObservers.withLock { $0.append(observer) }
    }

    /// Runs the radio's timers up to the clock's time, notifying what they raise. Cheap when nothing is due: call it
    /// often (``RadioTicker``) or, in tests, after moving a manual clock.
    public func poll() {
        let now = self.clock.now
        let (notifications, released) = self.radioStep { $0.advanceRadio(to: now) }
        self.notify(notifications)
        self.deliver(released)
    }

    /// Runs `body` on the state under the lock, and returns with its result the held downlink it released; logs the
    /// radio's transition, if any.
    private func radioStep<Result: Sendable>(_ body: (inout ModemCore) -> Result) -> (Result, released: [RadioLink.HeldDownlink]) {
        let (result, released, states) = self.core.withLock { core -> (Result, [RadioLink.HeldDownlink], (RadioState, RadioState)) in
            let before = core.radio.state
            let held = core.radio.held
            let result = body(&core)
            let released = core.radio.state == .off ? [] : held.filter { !core.radio.held.contains($0) }
            return (result, released, (before, core.radio.state))
        }
        self.logTransition(states)
        for observer in self.radioObservers.withLock({ $0 }) { observer() }
        return (result, released)
    }

    /// Registers for changes that may move ``nextRadioDeadline``: every command, uplink, downlink and ``poll()``
    /// calls `observer` (outside the modem's lock, on the caller's thread), so a ticker sleeping until the deadline
    /// it read can read it again.
    public func onRadioChange(_ observer: @escaping @Sendable () -> Void) {
        self.radioObservers.withLock { $0.append(observer) }
    }

    /// The radio's state, the time spent in each state so far, and the downlink held (for energy accounting).
    public var radioStatus: RadioStatus {
        let now = self.clock.now
        return self.core.withLock { core in
            RadioStatus(
                state: core.radio.state,
                timeSpent: Dictionary(uniqueKeysWithValues: RadioState.allCases.map { ($0, core.radio.timeSpent(in: $0, at: max(now, core.radio.stateSince))) }),
                heldDownlink: core.radio.held.count, periodicTAUs: core.radio.periodicTAUs, rrcConnections: core.radio.rrcConnections)
        }
    }

    /// When the radio's next timer expires on the modem's clock (nil when none runs): a scenario on a manual clock
    /// can move straight there and ``poll()``.
    public var nextRadioDeadline: Duration? { self.core.withLock { $0.radio.nextDeadline } }

    /// The device sends data on one of its sockets: the radio connects, waking from PSM.
    /// - Returns: false when LTE is off, so nothing can be sent.
    @discardableResult
    public func uplink() -> Bool {
        let now = self.clock.now
        let (notifications, released) = self.radioStep { $0.uplink(at: now) }
        guard let notifications else { return false }
        self.notify(notifications)
        self.deliver(released)
        return true
    }

    /// Downlink of `byteCount` bytes for one of the device's sockets reaches the network: `deliver` runs now when
    /// the device is reachable, or when it next wakes (PSM) or is paged (eDRX); never when LTE is off or goes off
    /// first, since the bearer is gone then.
    /// - Returns: what happened to it now.
    @discardableResult
    public func downlink(byteCount: Int, deliver: @escaping @Sendable () -> Void) -> RadioLink.DownlinkFate {
        let now = self.clock.now
        let id = self.pendingDownlink.withLock { state -> UInt64 in
            state.nextID += 1
            state.deliveries[state.nextID] = deliver
            return state.nextID
        }
        let ((fate, notifications), released) = self.radioStep { core in
            core.downlink(id: id, byteCount: byteCount, at: now)
        }
        self.notify(notifications)
        switch fate {
        case .delivered: self.deliver([RadioLink.HeldDownlink(id: id, byteCount: byteCount, since: now)] + released)
        case .held:
            self.logger.debug("downlink held while the radio sleeps", metadata: ["modem.bytes": "\(byteCount)"])
            self.deliver(released)
        case .dropped:
            _ = self.pendingDownlink.withLock { $0.deliveries.removeValue(forKey: id) }
        }
        return fate
    }

    private func deliver(_ items: [RadioLink.HeldDownlink]) {
        guard !items.isEmpty else { return }
        let deliveries = self.pendingDownlink.withLock { state in items.compactMap { state.deliveries.removeValue(forKey: $0.id) } }
        for delivery in deliveries { delivery() }
    }

    private func notify(_ notifications: [String]) {
        guard !notifications.isEmpty else { return }
        let observers = self.notificationObservers.withLock { $0 }
        for notification in notifications {
            for observer in observers { observer(notification) }
        }
    }

    private func logTransition(_ states: (RadioState, RadioState)) {
        guard states.0 != states.1 else { return }
        if states.1 == .off {
            // The bearer is gone: what the network held for the device is dropped.
            self.pendingDownlink.withLock { $0.deliveries = [:] }
        }
        self.logger.debug("radio \(states.0.rawValue) -> \(states.1.rawValue)", metadata: ["modem.radio": "\(states.1.rawValue)"])
    }

    /// Registers for LTE link changes (`+CEREG` registered or not), whichever AT client caused them. Observers run
    /// on the thread of that client, after its command completed.
    public func onLinkChange(_ observer: @escaping @Sendable (_ registered: Bool) -> Void) {
        self.linkObservers.withLock { $0.append(observer) }
    }

    private func execute(_ command: ATCommand, in core: inout ModemCore, at now: Duration) -> ([UInt8], [String]) {
        let before = core.credentials
        guard let response = core.execute(command, at: now) else {
            self.logger.warning(
                "unsupported AT command answered ERROR", metadata: ["modem.at_command": "\(command.name)"])
            return (ATResponse.error.encoded(cmeeEnabled: core.cmeeEnabled), [])
        }
        if let rejection = core.rejection {
            self.logger.warning("AT command refused: \(rejection)", metadata: ["modem.at_command": "\(ATLogging.summary(command))"])
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
        return (result.encoded(cmeeEnabled: core.cmeeEnabled), core.unsolicited)
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

/// The radio as energy accounting reads it.
public struct RadioStatus: Sendable, Equatable {
    public var state: RadioState
    /// Time spent in each state since the modem started, the current one included.
    public var timeSpent: [RadioState: Duration]
    /// Downlink packets the network holds for the device.
    public var heldDownlink: Int
    /// Periodic TAUs and RRC connection set-ups so far.
    public var periodicTAUs: Int
    public var rrcConnections: Int
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
