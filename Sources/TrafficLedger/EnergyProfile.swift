/// The device's current in each radio state, for the energy estimate (`CONFIG_SIM_LEDGER_*`).
///
/// The defaults are the nRF9160 product specification's modem current table ("Modem current consumption", LTE-M,
/// band 20, typical; infocenter.nordicsemi.com/topic/ps_nrf9160/.../parameters.id_current_modem.html), measured at
/// 3.7 V as the Online Power Profiler is: `I_PSM` 2.7 µA, `I_EDRX` 18 µA (81.92 s cycle), `I_RMC_10DBM` 50 mA for RRC
/// connected, `E_PSM_TAU` 105 mJ per periodic TAU. The table has no row for RRC idle with plain DRX; 0.6 mA is an
/// assumption, to be set from the profiler for the network at hand.
public struct EnergyProfile: Sendable, Equatable, Codable {
    public var supplyMillivolts = 3700
    public var connectedNanoamps = 50_000_000
    public var idleNanoamps = 600_000
    public var edrxIdleNanoamps = 18_000
    public var psmNanoamps = 2_700
    /// Energy of one periodic TAU from PSM beyond the states' currents.
    public var periodicTAUMicrojoules = 105_000

    public init() {}

    /// The energy `time` costs, in joules.
    public func joules(for time: RadioTime) -> Double {
        let volts = Double(self.supplyMillivolts) / 1000
        let amps =
            time.connectedSeconds * Double(self.connectedNanoamps) + time.idleSeconds * Double(self.idleNanoamps)
            + time.edrxIdleSeconds * Double(self.edrxIdleNanoamps) + time.psmSeconds * Double(self.psmNanoamps)
        return amps / 1e9 * volts + Double(time.periodicTAUs) * Double(self.periodicTAUMicrojoules) / 1e6
    }
}

/// Time the radio spent in each state, in (simulated) seconds.
public struct RadioTime: Sendable, Equatable, Codable {
    public var connectedSeconds: Double = 0
    public var idleSeconds: Double = 0
    public var edrxIdleSeconds: Double = 0
    public var psmSeconds: Double = 0
    /// LTE off (or no modem).
    public var offSeconds: Double = 0
    public var periodicTAUs = 0
    public var rrcConnections = 0

    public init() {}

    public var totalSeconds: Double { self.connectedSeconds + self.idleSeconds + self.edrxIdleSeconds + self.psmSeconds + self.offSeconds }
}
