import ATProtocol

extension ModemCore {
    /// `AT+CFUN` modes accepted (`lte_lc_func_mode`).
    static let functionalModes: Set<UInt32> = [0, 1, 2, 4, 20, 21, 30, 31, 40, 41, 44]

    /// `+CMEE`: report errors as `+CME ERROR: <n>` (1) or bare `ERROR` (0).
    mutating func handleCMEE(_ command: ATCommand) -> ATResponse {
        switch command.form {
        case .set:
            guard command.parameters.count == 1, let value = command.parameter(0).uint32, value <= 1 else {
                return .error
            }
            self.cmeeEnabled = value == 1
            return .ok()
        case .read: return .ok("+CMEE: \(self.cmeeEnabled ? 1 : 0)")
        case .test: return .ok("+CMEE: (0,1)")
        case .action: return .error
        }
    }

    /// `+CFUN`: functional mode; modes 1, 2 and 21 bring LTE up, 0, 4 and 20 take it down.
    mutating func handleCFUN(_ command: ATCommand) -> ATResponse {
        switch command.form {
        case .set:
            guard (1...2).contains(command.parameters.count), let mode = command.parameter(0).uint32,
                Self.functionalModes.contains(mode)
            else { return .error }
            if command.parameters.count == 2 {
                guard let reset = command.parameter(1).uint32, reset <= 1 else { return .error }
            }
            self.setFunctionalMode(Int(mode))
            return .ok()
        case .read: return .ok("+CFUN: \(self.functionalMode)")
        case .test: return .ok("+CFUN: (0,1,2,4,20,21,30,31,40,41,44)")
        case .action: return .error
        }
    }

    mutating func setFunctionalMode(_ mode: Int) {
        let wasActive = self.lteActive
        self.functionalMode = mode
        switch mode {
        case 1, 2, 21: self.lteActive = true
        case 0, 4, 20: self.lteActive = false
        default: break
        }
        guard wasActive != self.lteActive else { return }
        self.hasCell = self.lteActive && self.radio.inCoverage
        if self.lteActive {
            self.unsolicited += self.radioNotifications(self.radio.attach(at: self.now, configuration: self.radioConfiguration))
        } else {
            self.unsolicited += self.radioNotifications(self.radio.detach(at: self.now))
        }
        if self.registrationReporting > 0 {
            self.unsolicited.append(self.registrationStatusLine(urc: true))
        }
        if self.lteActive {
            self.unsolicited += self.edrxNotification
        }
    }

    /// `+CEREG`: network registration status; registered (home) while LTE is active and in coverage, searching (2)
    /// while active out of coverage.
    mutating func handleCEREG(_ command: ATCommand) -> ATResponse {
        switch command.form {
        case .set:
            guard command.parameters.count == 1, let mode = command.parameter(0).uint32, mode <= 5 else {
                return .error
            }
            self.registrationReporting = Int(mode)
            return .ok()
        case .read: return .ok(self.registrationStatusLine(urc: false))
        case .test: return .ok("+CEREG: (0-5)")
        case .action: return .error
        }
    }

    /// `[<n>,]<stat>[,<tac>,<ci>,<AcT>[,<cause_type>,<reject_cause>[,<Active-Time>,<Periodic-TAU-ext>]]]`: levels 4
    /// and 5 add the network's PSM timers (`"11100000"`, deactivated, when PSM is not granted); registration is never
    /// rejected here, so the cause fields stay empty. Searching (2) has no serving cell: `<stat>` alone.
    func registrationStatusLine(urc: Bool) -> String {
        let status = self.registrationStatus
        var fields = urc ? ["\(status)"] : ["\(self.registrationReporting)", "\(status)"]
        if status == 1, self.registrationReporting >= 2 {
            let cell = self.network.cell
            fields += ["\"\(cell.trackingAreaCode)\"", "\"\(cell.cellID)\"", "7"]
            if self.registrationReporting >= 4 {
                let psm = self.grantedPSM
                fields += [
                    "", "", "\"\(psm?.activeTime ?? .deactivated(.activeTime))\"",
                    "\"\(psm?.periodicTAU ?? .deactivated(.periodicTAU))\"",
                ]
            }
        }
        return "+CEREG: " + fields.joined(separator: ",")
    }

    /// `+CGSN`: IMEI (0), `+CGSN: "<imei>"` (1), IMEISV (2) or SVN (3).
    func handleCGSN(_ command: ATCommand) -> ATResponse {
        var type: UInt32 = 0
        switch command.form {
        case .action: break
        case .set:
            guard command.parameters.count == 1 else { return .error }
            if command.parameter(0) != .empty {
                guard let value = command.parameter(0).uint32, value <= 3 else { return .error }
                type = value
            }
        case .test: return .ok("+CGSN: (0-3)")
        case .read: return .error
        }
        let imei = self.identity.imei
        switch type {
        case 0: return .ok(imei)
        case 1: return .ok("+CGSN: \"\(imei)\"")
        case 2: return .ok("+CGSN: \"\(imei.prefix(14))\(self.profile.softwareVersionNumber)\"")
        default: return .ok("+CGSN: \"\(self.profile.softwareVersionNumber)\"")
        }
    }

    /// A command that takes no parameters and answers one fixed line.
    func handleFixedString(_ command: ATCommand, _ line: String) -> ATResponse {
        command.form == .action ? .ok(line) : .error
    }
}
