/// Named radio access profiles for `--bandwidth` and a scenario's `bandwidth:`.
///
/// Rates are the nRF91 series' application-level throughputs from Nordic's nRF9160 product specification and
/// product brief (nordicsemi.com/Products/nRF9160): LTE-M 365 kbit/s down, 375 kbit/s up (3GPP Release 13 Cat-M1,
/// half-duplex); NB-IoT 27 kbit/s down, 66 kbit/s up (Cat-NB1). Latencies are one-way halves of the round trips GSMA
/// gives in its "LTE-M Deployment Guide to Basic Feature Set Requirements" and "NB-IoT Deployment Guide" (LTE-M
/// 10-15 ms air latency, ~100 ms typical end-to-end round trip; NB-IoT 1.6-10 s worst case per 3GPP TR 45.820,
/// ~1 s typical round trip in good coverage), so these are typical, not worst-case, figures.
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
