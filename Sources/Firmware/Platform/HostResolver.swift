/// The device's resolver (`getaddrinfo()`): where a hostname's connection actually goes.
public enum HostResolver: Sendable, Equatable {
    /// Every hub and DPS hostname resolves to nrfsim's local emulator at `address`; the hub connection goes to
    /// `hubPort`, the DPS connection to `dpsPort`.
    case local(address: String, hubPort: Int, dpsPort: Int)
    /// Real DNS, to real Azure.
    case system

    /// The service a connection is for.
    public enum Service: Sendable { case hub, dps }

    /// The address and port to dial for `hostname`; TLS still verifies and names `hostname`.
    public func resolve(_ hostname: String, port: Int, for service: Service) -> (address: String, port: Int) {
        switch self {
        case .system:
            return (hostname, port)
        case .local(let address, let hubPort, let dpsPort):
            return (address, service == .hub ? hubPort : dpsPort)
        }
    }
}
