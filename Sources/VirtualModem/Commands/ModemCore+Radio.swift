import ATProtocol

extension ModemCore {
    /// The radio's configuration under the current grants.
    var radioConfiguration: RadioLink.Configuration {
        let psm = self.grantedPSM.flatMap { granted -> (periodicTAU: Duration, activeTime: Duration)? in
            guard let tau = granted.periodicTAU.duration, let active = granted.activeTime.duration else { return nil }
            return (tau, active)
        }
        let edrx = self.grantedEDRX.map { Duration.milliseconds($0.value.edrxCycleMilliseconds(Self.servingAccessTechnology)) }
        return RadioLink.Configuration(rrcInactivity: self.network.rrcInactivity, psm: psm, edrxCycle: edrx)
    }

    /// Runs the radio's timers up to `now`.
    /// - Returns: the unsolicited result codes they raise (`+CSCON`).
    public mutating func advanceRadio(to now: Duration) -> [String] {
        self.now = max(self.now, now)
        return self.radioNotifications(self.radio.advance(to: self.now))
    }

    /// The device sends data on a socket: the radio connects (waking from PSM).
    /// - Returns: the unsolicited result codes raised, or nil when LTE is off.
    public mutating func uplink(at now: Duration) -> [String]? {
        self.now = max(self.now, now)
        return self.radio.uplink(at: self.now).map { self.radioNotifications($0) }
    }

    /// Downlink for the device arrives at the network.
    public mutating func downlink(id: UInt64, byteCount: Int, at now: Duration) -> (fate: RadioLink.DownlinkFate, notifications: [String]) {
        self.now = max(self.now, now)
        let (fate, events) = self.radio.downlink(id: id, byteCount: byteCount, at: self.now)
        return (fate, self.radioNotifications(events))
    }

    /// The unsolicited result codes for radio events: `+CSCON` when subscribed.
    func radioNotifications(_ events: [RadioLink.Event]) -> [String] {
        guard self.connectionReporting > 0 else { return [] }
        return events.compactMap { event in
            switch event {
            case .rrcConnected: "+CSCON: " + self.connectedFields
            case .rrcIdle: "+CSCON: 0"
            default: nil
            }
        }
    }

    /// `1[,<state>[,<access>]]`: state 7 (E-UTRAN connected), access 4 (E-UTRAN FDD), as the level asks.
    private var connectedFields: String {
        switch self.connectionReporting {
        case 2: "1,7"
        case 3: "1,7,4"
        default: "1"
        }
    }

    /// `+CSCON=[<n>]`: subscribes `+CSCON: <mode>[,<state>[,<access>]]` (RRC connected 1, idle 0).
    mutating func handleCSCON(_ command: ATCommand) -> ATResponse {
        switch command.form {
        case .set:
            guard command.parameters.count == 1 else { return self.refuse("AT+CSCON: 1 parameter required") }
            if command.parameter(0).isAbsent {
                self.connectionReporting = 0
                return .ok()
            }
            guard let level = command.parameter(0).uint32, level <= 3 else { return self.refuse("AT+CSCON: <n> must be 0-3") }
            self.connectionReporting = Int(level)
            return .ok()
        case .read:
            let connected = self.radio.state == .connected
            var fields = ["\(self.connectionReporting)", connected ? "1" : "0"]
            if connected, self.connectionReporting >= 2 { fields.append("7") }
            if connected, self.connectionReporting == 3 { fields.append("4") }
            return .ok("+CSCON: " + fields.joined(separator: ","))
        case .test:
            return .ok("+CSCON: (0,1,2,3)")
        case .action:
            return self.refuse("AT+CSCON: needs = and a parameter")
        }
    }

    /// The network's legacy T3412 (GPRS Timer, 54 min) reported in `%XMONITOR` when no T3412 extended is in use.
    static let legacyPeriodicTAU = "01001001"

    /// `%XMONITOR`: registration, the serving cell, its signal and the PSM timers.
    func handleXMONITOR(_ command: ATCommand) -> ATResponse {
        guard command.form == .action else { return .error }
        guard self.registrationStatus == 1 else { return .ok("%XMONITOR: \(self.registrationStatus)") }
        let cell = self.network.cell
        let psm = self.grantedPSM
        let edrx = self.grantedEDRX.map { "\($0.value)" } ?? ""
        let fields: [String] = [
            "1", "\"\(cell.operatorFullName)\"", "\"\(cell.operatorShortName)\"", "\"\(cell.plmn)\"",
            "\"\(cell.trackingAreaCode)\"", "7", "\(cell.band)", "\"\(cell.cellID)\"", "\(cell.physicalCellID)",
            "\(cell.earfcn)", "\(cell.rsrpIndex)", "\(cell.snrIndex)", "\"\(edrx)\"",
            "\"\(psm?.activeTime ?? .deactivated(.activeTime))\"",
            "\"\(psm?.periodicTAU ?? .deactivated(.periodicTAU))\"",
            "\"\(psm == nil ? Self.legacyPeriodicTAU : "11100000")\"",
        ]
        return .ok("%XMONITOR: " + fields.joined(separator: ","))
    }

    /// `%FEACONF=<oper>,<feature>[,<state>]`: feature configuration; lte_lc writes feature 0 (proprietary PSM)
    /// and 3 (PLMN selection optimization) and ignores the answer. Accepted and kept by nothing: neither changes
    /// the simulated network.
    mutating func handleFEACONF(_ command: ATCommand) -> ATResponse {
        guard command.form == .set, let oper = command.parameter(0).uint32 else { return self.refuse("AT%FEACONF: <oper> required") }
        switch oper {
        case 0:
            guard command.parameters.count == 3, let feature = command.parameter(1).uint32, [0, 3].contains(feature),
                let state = command.parameter(2).uint32, state <= 1
            else { return self.refuse("AT%FEACONF=0: <feature> 0 or 3 and <state> 0 or 1 required") }
            return .ok()
        default:
            return self.refuse("AT%FEACONF: only <oper> 0 (write) is simulated")
        }
    }
}
