import SimCore

/// The fixed strings a modem firmware build reports, per SoC (`+CGMM`, `+CGMR`, `%HWVERSION` and `%SHORTSWVER` in
/// Nordic's nRF91 AT Commands reference, docs.nordicsemi.com/bundle/ref_at_commands).
public struct ModemProfile: Equatable, Sendable {
    /// The chip name used in JWT issuers and logs, such as `nRF9160`.
    public let chip: String
    /// `AT+CGMM`.
    public let model: String
    /// `AT+CGMR`: the modem firmware revision.
    public let firmwareRevision: String
    /// `AT%HWVERSION` without its prefix.
    public let hardwareVersion: String
    /// `AT%SHORTSWVER` without its prefix.
    public let shortSoftwareVersion: String
    /// The device type in `%ATTESTTOKEN` (3 nRF9160 SICA, 4 nRF9161 LACA, 6 nRF9151 LACA).
    public let attestationDeviceType: UInt8
    /// The type allocation code that starts generated IMEIs.
    public let imeiTypeAllocationCode: String
    /// The two-digit software version number of `AT+CGSN=3`.
    public let softwareVersionNumber: String

    /// The profile of the modem on a board's SoC, or nil for a board without a cellular modem.
    public static func forSoC(_ soc: Board.SoC) -> ModemProfile? {
        switch soc {
        case .nrf9160: return .nrf9160
        case .nrf9161: return .nrf9161
        case .nrf9151: return .nrf9151
        case .nrf5340, .native: return nil
        }
    }

    public static let nrf9160 = ModemProfile(
        chip: "nRF9160", model: "nRF9160-SICA", firmwareRevision: "mfw_nrf9160_1.3.5",
        hardwareVersion: "nRF9160 SICA B1A", shortSoftwareVersion: "nrf9160_1.3.5", attestationDeviceType: 3,
        imeiTypeAllocationCode: "35265610", softwareVersionNumber: "89")

    /// `%HWVERSION` is the engineering-sample string seen in the wild; the production string is not published.
    public static let nrf9161 = ModemProfile(
        chip: "nRF9161", model: "nRF9161-LACA", firmwareRevision: "mfw_nrf91x1_2.0.2",
        hardwareVersion: "nRF9161 LACA ADA", shortSoftwareVersion: "nrf91x1_2.0.2", attestationDeviceType: 4,
        imeiTypeAllocationCode: "35140463", softwareVersionNumber: "12")

    /// `%HWVERSION` is modelled on the nRF9161's; Nordic does not publish the nRF9151 string.
    public static let nrf9151 = ModemProfile(
        chip: "nRF9151", model: "nRF9151-LACA", firmwareRevision: "mfw_nrf91x1_2.0.2",
        hardwareVersion: "nRF9151 LACA A0A", shortSoftwareVersion: "nrf91x1_2.0.2", attestationDeviceType: 6,
        imeiTypeAllocationCode: "35173874", softwareVersionNumber: "12")
}

extension ModemProfile {
    /// Whether the TLS-decrypt test tags (2147483648–2147483667) are writable: mfw_nrf91x1 2.0.0 and later.
    var supportsTLSDecryptTags: Bool { self.firmwareRevision.hasPrefix("mfw_nrf91x1_") }
}
