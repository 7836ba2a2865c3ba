import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// The LTE link control library (`lte_lc`, nrf/lib/lte_link_control, sdk-nrf v2.9.0) as the sample links it:
/// the modem initialisation hook, functional mode changes with the notifications they subscribe, and the PSM,
/// eDRX and RRC events parsed from the modem's `+CEREG`, `%XMONITOR`, `+CEDRXP` and `+CSCON`.
public final class LTELinkControl: Sendable {
    /// `enum lte_lc_func_mode` (the modes this firmware sets).
    public enum FunctionalMode: Int, Sendable {
        case powerOff = 0
        case normal = 1
        case offline = 4
        case deactivateLTE = 20
        case activateLTE = 21
    }

    /// `enum lte_lc_rrc_mode`.
    public enum RRCMode: Sendable, Equatable { case idle, connected }

    /// `enum lte_lc_lte_mode` as eDRX reports it.
    public enum LTEMode: Sendable, Equatable { case none, lteM, nbIoT }

    /// `struct lte_lc_psm_cfg`: seconds, -1 when the timer is deactivated or unknown.
    public struct PSMConfig: Sendable, Equatable {
        public var tau: Int
        public var activeTime: Int

        public init(tau: Int, activeTime: Int) {
            self.tau = tau
            self.activeTime = activeTime
        }
    }

    /// `struct lte_lc_edrx_cfg`: seconds.
    public struct EDRXConfig: Sendable, Equatable {
        public var mode: LTEMode
        public var edrx: Double
        public var ptw: Double

        public init(mode: LTEMode, edrx: Double, ptw: Double) {
            self.mode = mode
            self.edrx = edrx
            self.ptw = ptw
        }
    }

    /// The events of `struct lte_lc_evt` this firmware raises.
    public enum Event: Sendable, Equatable {
        /// `LTE_LC_EVT_PSM_UPDATE`.
        case psmUpdate(PSMConfig)
        /// `LTE_LC_EVT_EDRX_UPDATE`.
        case edrxUpdate(EDRXConfig)
        /// `LTE_LC_EVT_RRC_UPDATE`.
        case rrcUpdate(RRCMode)
    }

    private struct State: Sendable {
        var handlers: [@Sendable (Event) -> Void] = []
        var previousPSM = PSMConfig(tau: 0, activeTime: 0)
        var requestedRPTAU: String
        var requestedRAT: String
        /// The eDRX value and PTW in use, by LTE mode (edrx.c `edrx_value_ltem` and the others).
        var edrxInUse: [LTEMode: (edrx: String, ptw: String)] = [:]
    }

    private let modem: any ModemLibrary
    private let configuration: LTELinkControlConfiguration
    private let logger: Logger
    private let state: Mutex<State>
    /// The library's work queue (common/work_q.c) and the AT monitor dispatch.
    private let workQueue = WorkQueue(name: "lte_lc")

    public init(modem: any ModemLibrary, configuration: LTELinkControlConfiguration, logger: Logger) {
        self.modem = modem
        self.configuration = configuration
        self.logger = logger
        var rptau = "", rat = ""
        if case .string(let tau, let active) = configuration.psmParameters { (rptau, rat) = (tau, active) }
        self.state = Mutex(State(requestedRPTAU: rptau, requestedRAT: rat))
        modem.onNotification { [weak self] line in
            guard let self else { return }
            self.workQueue.submit { self.atMonitor(line) }
        }
    }

    /// `lte_lc_register_handler()`.
    public func registerHandler(_ handler: @escaping @Sendable (Event) -> Void) {
        self.state.withLock { $0.handlers.append(handler) }
    }

    /// `nrf_modem_at_printf()`: 0 on `OK`, a positive CME code, or -1 for a bare `ERROR`.
    @discardableResult
    func at(_ command: String) -> Int {
        let response = self.modem.atCommand(command)
        if response.hasSuffix("OK\r\n") { return 0 }
        if let range = response.range(of: "+CME ERROR: ") {
            return Int(response[range.upperBound...].prefix { $0.isNumber }) ?? -1
        }
        return -1
    }

    // MARK: - Modem initialisation

    /// `on_modem_init()` (nrf/lib/lte_link_control/lte_lc_modem_hooks.c:21-135, sdk-nrf v2.9.0): PSM parameters and request, the
    /// PLMN selection optimisation, the eDRX request. The network mode (`AT%XSYSTEMMODE`) and band or PLMN locks are
    /// not simulated.
    public func onModemInit() {
        if self.configuration.psmModule {
            switch self.configuration.psmParameters {
            case .seconds(let tau, let active):
                let err = self.psmParamSetSeconds(rptau: tau, rat: active)
                if err != 0 {
                    self.logger.error("Failed to set PSM params, err \(err)")
                    return
                }
                self.logger.debug("PSM configs set from seconds: tau=\(tau)s, rat=\(active)s")
            case .string(let tau, let active):
                let err = self.psmParamSet(rptau: tau, rat: active)
                if err != 0 {
                    self.logger.error("Failed to set PSM params, err \(err)")
                    return
                }
                self.logger.debug("PSM configs set from string: tau=\(tau), rat=\(active)")
            }
            let err = self.psmRequest(self.configuration.psmRequest)
            if err != 0 {
                self.logger.error("Failed to configure PSM, err \(err)")
                return
            }
            if self.configuration.proprietaryPSMRequest {
                if self.at("AT%FEACONF=0,0,1") != 0 {
                    self.logger.error("Failed to configure proprietary PSM, err \(-Errno.EFAULT)")
                    return
                }
            } else {
                // Not supported by every modem firmware: the answer is ignored.
                _ = self.at("AT%FEACONF=0,0,0")
            }
        }
        // Only in modem firmware 2.0.1 and newer: the answer is ignored.
        _ = self.at("AT%FEACONF=0,3,\(self.configuration.plmnSelectionOptimization ? 1 : 0)")
        if self.configuration.edrxModule {
            let err = self.edrxRequest(self.configuration.edrxRequest)
            if err != 0 {
                self.logger.error("Failed to configure eDRX, err \(err)")
                return
            }
        }
    }

    // MARK: - PSM (modules/psm.c)

    /// `psm_param_set()` (nrf/lib/lte_link_control/modules/psm.c:212): 8-character strings, or empty for the modem's default.
    func psmParamSet(rptau: String, rat: String) -> Int32 {
        guard rptau.isEmpty || rptau.utf8.count == 8, rat.isEmpty || rat.utf8.count == 8 else { return -Errno.EINVAL }
        self.state.withLock {
            $0.requestedRPTAU = rptau
            $0.requestedRAT = rat
        }
        return 0
    }

    /// `psm_param_set_seconds()` (modules/psm.c:237): encoded as `psm_encode_timer()` does; negative for the
    /// modem's default.
    func psmParamSetSeconds(rptau: Int, rat: Int) -> Int32 {
        let tau = rptau >= 0 ? Self.encodeTimer(rptau, units: Self.t3412ExtUnits) : ""
        let active = rat >= 0 ? Self.encodeTimer(rat, units: Self.t3324Units) : ""
        guard let tau, let active else {
            if rptau >= 0, Self.encodeTimer(rptau, units: Self.t3412ExtUnits) == nil {
                self.logger.error("requested_value=\(rptau) is too big to be represented by the timer encoding")
            }
            if rat >= 0, Self.encodeTimer(rat, units: Self.t3324Units) == nil {
                self.logger.error("requested_value=\(rat) is too big to be represented by the timer encoding")
            }
            self.state.withLock {
                $0.requestedRPTAU = ""
                $0.requestedRAT = ""
            }
            return -Errno.EINVAL
        }
        self.state.withLock {
            $0.requestedRPTAU = tau
            $0.requestedRAT = active
        }
        return 0
    }

    /// `psm_req()` (modules/psm.c:254).
    func psmRequest(_ enable: Bool) -> Int32 {
        let (rptau, rat) = self.state.withLock { ($0.requestedRPTAU, $0.requestedRAT) }
        let err: Int
        if enable {
            switch (rptau.utf8.count == 8, rat.utf8.count == 8) {
            case (true, true): err = self.at("AT+CPSMS=1,,,\"\(rptau)\",\"\(rat)\"")
            case (true, false): err = self.at("AT+CPSMS=1,,,\"\(rptau)\"")
            case (false, true): err = self.at("AT+CPSMS=1,,,,\"\(rat)\"")
            case (false, false): err = self.at("AT+CPSMS=1")
            }
        } else {
            err = self.at("AT+CPSMS=")
        }
        if err != 0 {
            self.logger.error("nrf_modem_at_printf failed, reported error: \(err)")
            return -Errno.EFAULT
        }
        return 0
    }

    /// `t3412_ext_lookup`, `t3412_lookup` and `t3324_lookup` (modules/psm.c:45-55): seconds per unit, 0 for deactivated.
    static let t3412ExtUnits = [600, 3600, 36_000, 2, 30, 60, 1_152_000, 0]
    static let t3412LegacyUnits = [2, 60, 360, 60, 60, 60, 60, 0]
    static let t3324Units = [2, 60, 360, 60, 60, 60, 60, 0]

    /// `psm_encode_timer()` (modules/psm.c:113): the closest value at or above the request.
    static func encodeTimer(_ seconds: Int, units: [Int]) -> String? {
        let searched = units == Self.t3412ExtUnits ? 7 : 3
        var best: (value: Int, unit: Int, count: Int)?
        for unit in 0..<searched {
            let count = (seconds + units[unit] - 1) / units[unit]
            guard count <= 31 else { continue }
            let value = units[unit] * count
            if best == nil || value - seconds < best!.value - seconds { best = (value, unit, count) }
        }
        guard let best else { return nil }
        let byte = best.unit << 5 | best.count
        return String((0..<8).reversed().map { byte >> $0 & 1 == 1 ? "1" : "0" })
    }

    /// `psm_parse()` (modules/psm.c:379): nil when a string is not 8 characters.
    static func psmParse(activeTime: String, tauExt: String, tauLegacy: String?) -> PSMConfig? {
        func decode(_ bits: String, _ units: [Int]) -> Int? {
            guard bits.utf8.count == 8, let byte = Int(bits, radix: 2) else { return nil }
            let unit = units[byte >> 5]
            return unit == 0 ? -1 : unit * (byte & 0x1F)
        }
        guard let active = decode(activeTime, Self.t3324Units), var tau = decode(tauExt, Self.t3412ExtUnits) else { return nil }
        if let tauLegacy {
            guard tauLegacy.utf8.count == 8 else { return nil }
            if tau == -1 {
                guard let legacy = decode(tauLegacy, Self.t3412LegacyUnits), legacy != -1 else { return nil }
                tau = legacy
            }
        }
        return PSMConfig(tau: tau, activeTime: active)
    }

    /// `psm_get()` (modules/psm.c:286): the timers from `%XMONITOR`, with the legacy T3412.
    func psmGet() -> PSMConfig? {
        let response = self.modem.atCommand("AT%XMONITOR")
        guard response.hasSuffix("OK\r\n"), let line = response.split(separator: "\r\n").first(where: { $0.hasPrefix("%XMONITOR: ") }) else {
            self.logger.error("AT command failed, error: \(-Errno.EFAULT)")
            return nil
        }
        let fields = Self.fields(line.dropFirst("%XMONITOR: ".count))
        guard let status = Int(fields.first ?? "") else {
            self.logger.error("AT command parsing failed, error: \(-Errno.EBADMSG)")
            return nil
        }
        guard status == 1 || status == 5 else {
            self.logger.warning("No PSM parameters because device not registered, status: \(status)")
            return nil
        }
        guard fields.count >= 16, let config = Self.psmParse(activeTime: fields[13], tauExt: fields[14], tauLegacy: fields[15]) else {
            self.logger.error("Failed to parse PSM configuration, error: \(-Errno.EBADMSG)")
            return nil
        }
        self.logger.debug("TAU: \(config.tau) sec, active time: \(config.activeTime) sec")
        return config
    }

    /// `psm_evt_update_send()` (modules/psm.c:81): only a change is an event.
    private func psmUpdate(_ config: PSMConfig) {
        let handlers = self.state.withLock { state -> [@Sendable (Event) -> Void]? in
            guard state.previousPSM != config else { return nil }
            state.previousPSM = config
            return state.handlers
        }
        handlers?.forEach { $0(.psmUpdate(config)) }
    }

    // MARK: - eDRX (modules/edrx.c)

    /// `edrx_request()` (modules/edrx.c:386): `AT+CEDRXS=2,<AcT>[,"<value>"]` for LTE-M and NB-IoT, or
    /// `AT+CEDRXS=3` to disable.
    func edrxRequest(_ enable: Bool) -> Int32 {
        guard enable else {
            if self.at("AT+CEDRXS=3") != 0 {
                self.logger.error("Failed to disable eDRX, reported error: \(-Errno.EFAULT)")
                return -Errno.EFAULT
            }
            self.state.withLock { $0.edrxInUse = [:] }
            return 0
        }
        for (act, mode, requested) in [(4, LTEMode.lteM, self.configuration.edrxValueLTEM), (5, .nbIoT, self.configuration.edrxValueNBIoT)] {
            var err = 0
            if requested.utf8.count == 4 {
                if self.state.withLock({ $0.edrxInUse[mode]?.edrx }) != requested {
                    err = self.at("AT+CEDRXS=2,\(act),\"\(requested)\"")
                } else {
                    self.sendPagingTimeWindows()
                }
            } else {
                err = self.at("AT+CEDRXS=2,\(act)")
            }
            if err != 0 {
                self.logger.error("Failed to enable eDRX, reported error: \(err)")
                return -Errno.EFAULT
            }
        }
        return 0
    }

    /// `edrx_ptw_send_work_fn()` (modules/edrx.c:84): `AT%XPTW` where a PTW is configured and differs from the
    /// one in use.
    private func sendPagingTimeWindows() {
        for (act, mode, requested) in [(4, LTEMode.lteM, self.configuration.pagingTimeWindowLTEM), (5, .nbIoT, self.configuration.pagingTimeWindowNBIoT)] {
            guard requested.utf8.count == 4, self.state.withLock({ $0.edrxInUse[mode]?.ptw }) != requested else { continue }
            let err = self.at("AT%XPTW=\(act),\"\(requested)\"")
            if err != 0 { self.logger.error("Failed to request PTW, reported error: \(err)") }
        }
    }

    /// `parse_edrx()` (modules/edrx.c:181) and `get_edrx_value()` (edrx.c:148) of `+CEDRXP: <AcT>,<requested>,<NW-provided>,<PTW>`.
    static func parseEDRX(_ line: Substring) -> (config: EDRXConfig, edrx: String, ptw: String)? {
        let fields = Self.fields(line)
        guard let act = Int(fields.first ?? "") else { return nil }
        let mode: LTEMode
        switch act {
        case 0: return (EDRXConfig(mode: .none, edrx: 0, ptw: 0), "", "")
        case 4: mode = .lteM
        case 5: mode = .nbIoT
        default: return nil
        }
        guard fields.count >= 3 else { return nil }
        let edrx = fields[2]
        if edrx.isEmpty { return (EDRXConfig(mode: .none, edrx: 0, ptw: 0), "", "") }
        guard fields.count >= 4, let edrxIndex = Int(edrx, radix: 2), edrxIndex < 16, let ptwIndex = Int(fields[3], radix: 2), ptwIndex < 16 else {
            return nil
        }
        let ltem = [0, 1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128, 256, 256, 256]
        let nbiot = [2, 2, 2, 4, 2, 8, 2, 2, 2, 16, 32, 64, 128, 256, 512, 1024]
        let multiplier = (mode == .lteM ? ltem : nbiot)[edrxIndex]
        let cycle = multiplier == 0 ? 5.12 : Double(multiplier) * 10.24
        let ptw = Double(ptwIndex + 1) * (mode == .lteM ? 1.28 : 2.56)
        return (EDRXConfig(mode: mode, edrx: cycle, ptw: ptw), edrx, fields[3])
    }

    // MARK: - Functional mode (modules/cfun.c)

    /// `cfun_mode_set()` (modules/cfun.c:79): before normal mode or activating LTE, `+CEREG` level 5 and
    /// `+CSCON` notifications are subscribed (`enable_notifications()`, cfun.c:27).
    public func functionalModeSet(_ mode: FunctionalMode) -> Int32 {
        if mode == .normal || mode == .activateLTE {
            // cereg_notifications_enable() (modules/cereg.c:483), cscon_notifications_enable() (cscon.c:101).
            if self.at("AT+CEREG=5") != 0 {
                self.logger.error("Failed to subscribe to CEREG notifications, error: \(-Errno.EFAULT)")
                self.logger.error("Failed to enable notifications, error: \(-Errno.EFAULT)")
                return -Errno.EFAULT
            }
            if self.at("AT+CSCON=1") != 0 {
                self.logger.warning("Failed to enable RRC notifications (+CSCON), error \(-Errno.EFAULT)")
                self.logger.error("Failed to enable notifications, error: \(-Errno.EFAULT)")
                return -Errno.EFAULT
            }
        }
        if self.at("AT+CFUN=\(mode.rawValue)") != 0 {
            self.logger.error("Failed to set functional mode. Please check XSYSTEMMODE.")
            return -Errno.EFAULT
        }
        self.logger.debug("Functional mode set to \(mode.rawValue)")
        return 0
    }

    // MARK: - AT monitors

    /// The library's AT monitors: `+CEREG` (`at_handler_cereg()`, cereg.c:211), `+CSCON` (`at_handler_cscon()`,
    /// cscon.c:75), `+CEDRXP` (`at_handler_cedrxp()`, edrx.c:301).
    func atMonitor(_ line: String) {
        if line.hasPrefix("+CSCON: ") {
            self.logger.debug("+CSCON notification")
            let fields = Self.fields(line.dropFirst(8))
            let mode: RRCMode
            switch fields.first {
            case "0": mode = .idle
            case "1": mode = .connected
            default:
                self.logger.error("Can't parse signalling mode, error: \(-Errno.EINVAL)")
                return
            }
            self.dispatch(.rrcUpdate(mode))
        } else if line.hasPrefix("+CEDRXP: "), self.configuration.edrxModule {
            self.logger.debug("+CEDRXP notification")
            guard let (config, edrx, ptw) = Self.parseEDRX(line.dropFirst(9)) else {
                self.logger.error("Can't parse eDRX, error: \(-Errno.ENODATA)")
                return
            }
            self.state.withLock { state in
                if config.mode == .none { state.edrxInUse = [:] } else { state.edrxInUse[config.mode] = (edrx, ptw) }
            }
            // The PTW is requested once eDRX is in use.
            if config.mode != .none { self.workQueue.submit { self.sendPagingTimeWindows() } }
            self.dispatch(.edrxUpdate(config))
        } else if line.hasPrefix("+CEREG: ") {
            // at_handler_cereg() and parse_cereg() (cereg.c:225, cereg.c:97).
            self.logger.debug("+CEREG notification: \(line)")
            let fields = Self.fields(line.dropFirst(8))
            guard let status = Int(fields.first ?? "") else { return }
            self.logger.debug("Network registration status: \(status)")
            guard self.configuration.psmModule, status == 1 || status == 5 else { return }
            guard fields.count >= 8 else { return }
            guard var config = Self.psmParse(activeTime: fields[6], tauExt: fields[7], tauLegacy: nil) else {
                self.logger.error("Failed to parse PSM configuration, error: \(-Errno.EINVAL)")
                return
            }
            if config.tau == -1 {
                // The legacy T3412 comes from %XMONITOR, on the work queue (cereg.c:323-336).
                guard let fromMonitor = self.psmGet() else { return }
                config = fromMonitor
            }
            self.psmUpdate(config)
        }
    }

    private func dispatch(_ event: Event) {
        for handler in self.state.withLock({ $0.handlers }) { handler(event) }
    }

    /// The comma-separated fields of a response line, quotes removed.
    static func fields(_ text: Substring) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }
}
