/// The device's resolver (`getaddrinfo()`): where a hostname's connection actually goes.
public enum HostResolver: Sendable, Equatable {
    /// Every hub, DPS and storage hostname resolves to nrfsim's local emulator at `address`; the hub connection goes
    /// to `hubPort`, the DPS connection to `dpsPort`, HTTPS downloads to `httpsPort`.
    case local(address: String, hubPort: Int, dpsPort: Int, httpsPort: Int = 8443)
    /// Real DNS, to real Azure.
    case system

    /// The service a connection is for.
    public enum Service: Sendable { case hub, dps, download }

    /// The address and port to dial for `hostname`; TLS still verifies and names `hostname`.
    public func resolve(_ hostname: String, port: Int, for service: Service) -> (address: String, port: Int) {
        switch self {
        case .system:
            return (hostname, port)
        case .local(let address, let hubPort, let dpsPort, let httpsPort):
            switch service {
            case .hub: return (address, hubPort)
            case .dps: return (address, dpsPort)
            case .download: return (address, httpsPort)
            }
        }
    }
}
