/// The device's resolver (`getaddrinfo()`): where a hostname's connection actually goes.
public enum HostResolver: Sendable, Equatable {
    /// Every hub, DPS and storage hostname resolves to nrfsim's local emulator at `address`; the hub connection goes
    /// to `hubPort`, the DPS connection to `dpsPort`, downloads to `httpPort` when they dial port 80 (plain HTTP)
    /// and to `httpsPort` otherwise.
    case local(address: String, hubPort: Int, dpsPort: Int, httpsPort: Int = 8443, httpPort: Int = 8080)
    /// Real DNS, to real Azure.
    case system

    /// The service a connection is for.
    public enum Service: Sendable { case hub, dps, download }

    /// The address and port to dial for `hostname`; TLS still verifies and names `hostname`.
    public func resolve(_ hostname: String, port: Int, for service: Service) -> (address: String, port: Int) {
        switch self {
        case .system:
            return (hostname, port)
        case .local(let address, let hubPort, let dpsPort, let httpsPort, let httpPort):
            switch service {
            case .hub: return (address, hubPort)
            case .dps: return (address, dpsPort)
            case .download: return (address, port == 80 ? httpPort : httpsPort)
            }
        }
    }
}
