import ATProtocol

/// A `+CEDRXS` request for one access technology.
public struct EDRXRequest: Sendable, Equatable {
    /// Whether `+CEDRXP` reports the network's answer (`<mode>` 2).
    public var notify: Bool
    public var value: EDRXNibble

    /// The modem's default eDRX value where `+CEDRXS` gives none: nrfsim uses lte_lc's Kconfig default
    /// (CONFIG_LTE_EDRX_REQ_VALUE_LTE_M / _NBIOT "1001", 163.84 s).
    public static let defaultValue = EDRXNibble(0b1001)
}

extension ModemCore {
    /// The access technology of the simulated cell (`+CEREG` `<AcT>` 7): LTE-M.
    static let servingAccessTechnology = EDRXNibble.AccessTechnology.lteM

    /// `+CEDRXS=[<mode>[,<AcT-type>[,<Requested_eDRX_value>]]]`: mode 0 disables, 1 enables, 2 enables with
    /// `+CEDRXP`, 3 disables and resets every access technology's value.
    mutating func handleCEDRXS(_ command: ATCommand) -> ATResponse {
        self.edrxReportBefore = self.edrxReport
        switch command.form {
        case .set:
            guard command.parameters.count <= 3 else { return self.refuse("AT+CEDRXS: \(command.parameters.count) parameters, at most 3") }
            if command.parameters.allSatisfy(\.isAbsent) {
                self.edrxRequests = [:]
                self.pagingTimeWindowRequests = [:]
                return self.edrxRequestChanged()
            }
            guard let mode = command.parameter(0).uint32, mode <= 3 else {
                return self.refuse("AT+CEDRXS: <mode> must be 0-3")
            }
            if mode == 3 && command.parameters.count == 1 {
                self.edrxRequests = [:]
                self.pagingTimeWindowRequests = [:]
                return self.edrxRequestChanged()
            }
            guard let actValue = command.parameter(1).uint32, let act = EDRXNibble.AccessTechnology(rawValue: Int(actValue)) else {
                return self.refuse("AT+CEDRXS: <AcT-type> must be 4 (LTE-M) or 5 (NB-IoT)")
            }
            var value = self.edrxRequests[act]?.value ?? EDRXRequest.defaultValue
            let parameter = command.parameter(2)
            if !parameter.isAbsent {
                guard let bytes = parameter.quotedBytes else { return self.refuse("AT+CEDRXS: <Requested_eDRX_value> must be a quoted string") }
                do {
                    value = try EDRXNibble(bits: String(decoding: bytes, as: UTF8.self))
                } catch {
                    return self.refuse("AT+CEDRXS: <Requested_eDRX_value> \(error)")
                }
            }
            let request = mode == 1 || mode == 2 ? EDRXRequest(notify: mode == 2, value: value) : nil
            if request?.value != self.edrxRequests[act]?.value {
                // "When an eDRX parameter is changed, the default PTW is set": %XPTW must follow +CEDRXS.
                self.pagingTimeWindowRequests[act] = nil
            }
            self.edrxRequests[act] = request
            return self.edrxRequestChanged()
        case .read:
            let lines = EDRXNibble.AccessTechnology.allCases.compactMap { act in
                self.edrxRequests[act].map { "+CEDRXS: \(act.rawValue),\"\($0.value)\"" }
            }
            return ATResponse(lines: lines.map { Array($0.utf8) }, result: .ok)
        case .test:
            return .ok("+CEDRXS: (0-3),(4,5),(\"0000\"-\"1111\")")
        case .action:
            return self.refuse("AT+CEDRXS: needs = and parameters")
        }
    }

    /// `+CEDRXRDP`: the eDRX parameters in use on the serving cell.
    func handleCEDRXRDP(_ command: ATCommand) -> ATResponse {
        guard command.form == .action else { return .error }
        return .ok("+CEDRXRDP: " + self.edrxReport)
    }

    /// `%XPTW=<AcT>,<requested_PTW>`: the Paging Time Window to request with eDRX.
    mutating func handleXPTW(_ command: ATCommand) -> ATResponse {
        self.edrxReportBefore = self.edrxReport
        switch command.form {
        case .set:
            guard command.parameters.count == 2 else { return self.refuse("AT%XPTW: 2 parameters required") }
            guard let actValue = command.parameter(0).uint32, let act = EDRXNibble.AccessTechnology(rawValue: Int(actValue)) else {
                return self.refuse("AT%XPTW: <AcT> must be 4 (LTE-M) or 5 (NB-IoT)")
            }
            guard let bytes = command.parameter(1).quotedBytes else { return self.refuse("AT%XPTW: <requested_PTW> must be a quoted string") }
            do {
                self.pagingTimeWindowRequests[act] = try EDRXNibble(bits: String(decoding: bytes, as: UTF8.self))
            } catch {
                return self.refuse("AT%XPTW: <requested_PTW> \(error)")
            }
            return self.edrxRequestChanged()
        case .read:
            let lines = EDRXNibble.AccessTechnology.allCases.compactMap { act in
                self.pagingTimeWindowRequests[act].map { "%XPTW: \(act.rawValue),\"\($0)\"" }
            }
            return ATResponse(lines: lines.map { Array($0.utf8) }, result: .ok)
        case .test:
            return .ok("%XPTW: (4,5),(\"0000\"-\"1111\")")
        case .action:
            return self.refuse("AT%XPTW: needs = and parameters")
        }
    }

    /// The granted eDRX value and PTW on the serving cell, or nil when eDRX is not in use.
    public var grantedEDRX: (value: EDRXNibble, pagingTimeWindow: EDRXNibble)? {
        let act = Self.servingAccessTechnology
        guard let request = self.edrxRequests[act] else { return nil }
        switch self.network.edrx {
        case .deny: return nil
        case .asRequested: return (request.value, self.pagingTimeWindowRequests[act] ?? self.network.defaultPagingTimeWindow)
        case .grant(let value, let ptw): return (value, ptw)
        }
    }

    /// `<AcT-type>[,<Requested_eDRX_value>,<NW-provided_eDRX_value>,<Paging_time_window>]` of `+CEDRXP` and
    /// `+CEDRXRDP`: `0` when the cell does not use eDRX with the device.
    var edrxReport: String {
        let act = Self.servingAccessTechnology
        guard self.lteActive, let request = self.edrxRequests[act], let granted = self.grantedEDRX else { return "0" }
        return "\(act.rawValue),\"\(request.value)\",\"\(granted.value)\",\"\(granted.pagingTimeWindow)\""
    }

    /// A changed request goes to the network in a TAU when registered; `+CEDRXP` tells a changed answer.
    private mutating func edrxRequestChanged() -> ATResponse {
        if self.lteActive, self.edrxReport != self.edrxReportBefore {
            self.unsolicited += self.radioNotifications(self.radio.reconfigure(self.radioConfiguration, at: self.now))
            self.unsolicited += self.edrxNotification
        }
        return .ok()
    }

    /// `+CEDRXP` for the serving cell's access technology, when its request asked for it (`<mode>` 2).
    var edrxNotification: [String] {
        guard self.edrxRequests[Self.servingAccessTechnology]?.notify == true else { return [] }
        return ["+CEDRXP: " + self.edrxReport]
    }
}
