import ATProtocol

/// A `+CPSMS` request: whether PSM is asked for, and the timers asked.
public struct PSMRequest: Sendable, Equatable {
    public var enabled = false
    /// `<Requested_Periodic-TAU-ext>` (T3412 extended).
    public var periodicTAU = PSMRequest.defaultPeriodicTAU
    /// `<Requested_Active-Time>` (T3324).
    public var activeTime = PSMRequest.defaultActiveTime

    public init() {}

    /// The modem's manufacturer-specific defaults, used where a request leaves a timer out: nrfsim uses lte_lc's
    /// Kconfig defaults (CONFIG_LTE_PSM_REQ_RPTAU "00000011", 30 min; CONFIG_LTE_PSM_REQ_RAT "00100001", 1 min).
    public static let defaultPeriodicTAU = GPRSTimer(kind: .periodicTAU, byte: 0b0000_0011)
    public static let defaultActiveTime = GPRSTimer(kind: .activeTime, byte: 0b0010_0001)
}

extension ModemCore {
    /// `+CPSMS=[<mode>[,<Requested_Periodic-RAU>,<Requested_GPRS-READY-timer>[,<Requested_Periodic-TAU-ext>
    /// [,<Requested_Active-Time>]]]]`: requests PSM. The RAU and READY timers (2G/3G) are ignored. A timer left out
    /// takes the modem's default; `+CPSMS=` disables PSM and resets both.
    mutating func handleCPSMS(_ command: ATCommand) -> ATResponse {
        switch command.form {
        case .set:
            guard command.parameters.count <= 5 else { return self.refuse("AT+CPSMS: \(command.parameters.count) parameters, at most 5") }
            var request = PSMRequest()
            if command.parameters.allSatisfy(\.isAbsent) {
                self.psmRequest = request
                return self.psmRequestChanged()
            }
            guard let mode = command.parameter(0).uint32, mode <= 1 else {
                return self.refuse("AT+CPSMS: <mode> must be 0 or 1")
            }
            request.enabled = mode == 1
            do {
                if let tau = try self.timerParameter(command, 3, kind: .periodicTAU) { request.periodicTAU = tau }
                if let active = try self.timerParameter(command, 4, kind: .activeTime) { request.activeTime = active }
            } catch {
                return self.refuse("AT+CPSMS: \(error)")
            }
            if request.enabled {
                guard let tau = request.periodicTAU.seconds else {
                    return self.refuse("AT+CPSMS: <Requested_Periodic-TAU-ext> \"\(request.periodicTAU)\" is deactivated (unit 111); PSM needs a periodic TAU")
                }
                guard tau > 0 else {
                    return self.refuse("AT+CPSMS: <Requested_Periodic-TAU-ext> \"\(request.periodicTAU)\" is a periodic TAU of 0 s")
                }
                guard request.activeTime.seconds != nil else {
                    return self.refuse("AT+CPSMS: <Requested_Active-Time> \"\(request.activeTime)\" is deactivated (unit 111); PSM needs an active time")
                }
            }
            self.psmRequest = request
            return self.psmRequestChanged()
        case .read:
            let request = self.psmRequest
            return .ok("+CPSMS: \(request.enabled ? 1 : 0),,,\"\(request.periodicTAU)\",\"\(request.activeTime)\"")
        case .test:
            return .ok("+CPSMS: (0,1),,,(\"00000000\"-\"11111111\"),(\"00000000\"-\"11111111\")")
        case .action:
            return self.refuse("AT+CPSMS: needs = and parameters")
        }
    }

    /// A quoted 8-bit timer parameter, or nil when it is left out.
    private func timerParameter(_ command: ATCommand, _ index: Int, kind: GPRSTimer.Kind) throws(PSMParameterError) -> GPRSTimer? {
        let parameter = command.parameter(index)
        if parameter.isAbsent { return nil }
        let name = kind == .periodicTAU ? "<Requested_Periodic-TAU-ext>" : "<Requested_Active-Time>"
        guard let bytes = parameter.quotedBytes else { throw .notQuoted(name) }
        do {
            return try GPRSTimer(kind: kind, bits: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .badTimer(name, error)
        }
    }

    /// The granted PSM timers under the network policy, or nil when PSM is not in use.
    public var grantedPSM: (periodicTAU: GPRSTimer, activeTime: GPRSTimer)? {
        guard self.psmRequest.enabled else { return nil }
        let granted: (GPRSTimer, GPRSTimer)
        switch self.network.psm {
        case .deny: return nil
        case .asRequested: granted = (self.psmRequest.periodicTAU, self.psmRequest.activeTime)
        case .grant(let tau, let active): granted = (tau, active)
        }
        guard let tau = granted.0.seconds, tau > 0, granted.1.seconds != nil else { return nil }
        return granted
    }

    /// A changed request goes to the network in a TAU when registered; the accept is notified (`+CEREG` 4 and 5).
    private mutating func psmRequestChanged() -> ATResponse {
        if self.lteActive {
            self.unsolicited += self.radioNotifications(self.radio.reconfigure(self.radioConfiguration, at: self.now))
            if self.registrationReporting >= 4 {
                self.unsolicited.append(self.registrationStatusLine(urc: true))
            }
        }
        return .ok()
    }

    /// `ERROR`, with the reason kept for the log.
    mutating func refuse(_ reason: String) -> ATResponse {
        self.rejection = reason
        return .error
    }
}

/// Why a `+CPSMS` timer parameter is refused.
enum PSMParameterError: Error, CustomStringConvertible {
    case notQuoted(String)
    case badTimer(String, GPRSTimer.ParseError)

    var description: String {
        switch self {
        case .notQuoted(let name): "\(name) must be a quoted string"
        case .badTimer(let name, let error): "\(name) \(error)"
        }
    }
}
