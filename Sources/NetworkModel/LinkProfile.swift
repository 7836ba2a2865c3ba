/// Named radio access profiles for `--bandwidth` and a scenario's `bandwidth:`.
///
/// Rates are the nRF9160's application throughputs as Nordic's nRF9160 product brief gives them
/// (nordicsemi.com/Products/nRF9160): Cat-M1 (LTE-M, 3GPP Release 13, half-duplex) 375 kbit/s up and 365 kbit/s
/// down; Cat-NB1 (NB-IoT) 66 kbit/s up and 27 kbit/s down. The latencies and jitters are typical one-way figures
/// for a device in good coverage, not worst cases (NB-IoT's latency target is up to 10 s, 3GPP TR 45.820).
public struct LinkProfile: Sendable, Equatable {
    public var name: String
    public var latency: Duration
    public var jitter: Duration
    public var uplinkKbps: Int
    public var downlinkKbps: Int

    public static let lteM = LinkProfile(name: "lte-m", latency: .milliseconds(50), jitter: .milliseconds(20), uplinkKbps: 375, downlinkKbps: 365)
    public static let nbIoT = LinkProfile(name: "nb-iot", latency: .milliseconds(500), jitter: .milliseconds(200), uplinkKbps: 66, downlinkKbps: 27)

    public static let all = [lteM, nbIoT]

    public static func named(_ name: String) -> LinkProfile? { all.first { $0.name == name.lowercased() } }
}
