/// The device's radio as the byte path sees it (the virtual modem's `uplink()` and `downlink(byteCount:deliver:)`)
/// and as a scenario changes it (coverage, the network's grants), so this module does not depend on the modem.
public protocol RadioGate: Sendable {
    /// The device sends: the radio connects (or stays connected).
    func uplink()
    /// Bytes for the device reach the cell: `deliver` runs when the device can receive them (at once, or when it
    /// leaves PSM), or never when the bearer goes first.
    /// - Returns: false when there is no bearer now (LTE is off): the bytes are lost.
    func downlink(byteCount: Int, deliver: @escaping @Sendable () -> Void) -> Bool
    /// The device leaves (false) or re-enters (true) coverage: the modem's registration follows.
    func coverageChanged(_ inCoverage: Bool)
    /// The network grants something else from now on (a scenario's `psm`, `edrx`, `rrc_inactivity`).
    func networkChanged(_ change: RadioNetworkChange)
}

extension RadioGate {
    public func coverageChanged(_ inCoverage: Bool) {}
    public func networkChanged(_ change: RadioNetworkChange) {}
}

/// No radio (Wi-Fi and Ethernet boards): everything passes at once.
public struct AlwaysOnRadio: RadioGate {
    public init() {}
    public func uplink() {}
    public func downlink(byteCount: Int, deliver: @escaping @Sendable () -> Void) -> Bool {
        deliver()
        return true
    }
}
