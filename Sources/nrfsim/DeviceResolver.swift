#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Firmware
import FirmwareConfig

/// The virtual board's resolver, from `nrfsim device --hub` and the `CONFIG_SIM_LOCAL_*` options.
enum DeviceResolver {
    /// `--hub local|azure`, or `CONFIG_SIM_LOCAL_CLOUD` without it. Locally every hub, DPS and storage hostname goes
    /// to `CONFIG_SIM_LOCAL_ADDRESS`, on the `CONFIG_SIM_LOCAL_*_PORT`s.
    /// - Throws: ``DeviceResolverError/notAnIPAddress(symbol:value:)`` when the address is not an IPv4 or IPv6
    ///   literal (as `inet_pton(3)` reads them): a resolver answers with an address, never another name.
    static func make(hub: String?, simulator: SimulatorConfiguration) throws(DeviceResolverError) -> HostResolver {
        let local = hub.map { $0 == "local" } ?? simulator.localCloud
        guard local else { return .system }
        guard Self.isIPAddress(simulator.localAddress) else {
            throw .notAnIPAddress(symbol: "CONFIG_SIM_LOCAL_ADDRESS", value: simulator.localAddress)
        }
        return .local(
            address: simulator.localAddress, hubPort: simulator.localHubPort, dpsPort: simulator.localDPSPort,
            httpsPort: simulator.localHTTPSPort, httpPort: simulator.localHTTPPort)
    }

    static func isIPAddress(_ text: String) -> Bool {
        var octets = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &octets) == 1 || inet_pton(AF_INET6, text, &octets) == 1
    }
}

/// The resolver's configuration is unusable: names the option and its value.
enum DeviceResolverError: Error, Equatable, CustomStringConvertible {
    case notAnIPAddress(symbol: String, value: String)

    var description: String {
        switch self {
        case .notAnIPAddress(let symbol, let value):
            return "\(symbol)=\"\(value)\" is not an IPv4 or IPv6 address (the emulator's, as `nrfsim hub --host` listens)"
        }
    }
}
