/// The device's resolver (`getaddrinfo()`): where a hostname's connection actually goes.
public enum HostResolver: Sendable, Equatable {
    /// Every hub, DPS and storage hostname resolves to nrfsim's local emulator at `address`; the hub connection goes
    /// to `hubPort`, the DPS connection to `dpsPort`, downloads to `httpPort` when they dial port 80 (plain HTTP)
    /// and to `httpsPort` otherwise.
    case local(address: String, hubPort: Int, dpsPort: Int, httpsPort: Int = 8443, httpPort: Int = 8080)
    /// Real DNS, to real Azure.
    case system
    /// A simulated network between the device and the cloud answers: it may fail the lookup, and the address it
    /// gives is its own relay's.
    case network(any NameService)

    /// The service a connection is for.
    public enum Service: Sendable { case hub, dps, download }

    /// The address and port to dial for `hostname`; TLS still verifies and names `hostname`. A ``network(_:)``
    /// resolver that fails the lookup gives back `hostname` itself.
    public func resolve(_ hostname: String, port: Int, for service: Service) -> (address: String, port: Int) {
        self.lookup(hostname, port: port, for: service) ?? (hostname, port)
    }

    /// `getaddrinfo()`: nil when the lookup fails (`EAI_AGAIN`).
    public func lookup(_ hostname: String, port: Int, for service: Service) -> (address: String, port: Int)? {
        switch self {
        case .system:
            return (hostname, port)
        case .local(let address, let hubPort, let dpsPort, let httpsPort, let httpPort):
            switch service {
            case .hub: return (address, hubPort)
            case .dps: return (address, dpsPort)
            case .download: return (address, port == 80 ? httpPort : httpsPort)
            }
        case .network(let names):
            return names.lookup(hostname, port: port, for: service)
        }
    }

    public static func == (lhs: HostResolver, rhs: HostResolver) -> Bool {
        switch (lhs, rhs) {
        case (.system, .system): return true
        case (.local(let a1, let h1, let d1, let s1, let p1), .local(let a2, let h2, let d2, let s2, let p2)):
            return a1 == a2 && h1 == h2 && d1 == d2 && s1 == s2 && p1 == p2
        case (.network(let n1), .network(let n2)): return n1 === n2
        default: return false
        }
    }
}

/// What answers the device's `getaddrinfo()` when a simulated network sits on its byte path.
public protocol NameService: AnyObject, Sendable {
    /// The address and port to dial for `hostname`, or nil when the lookup fails.
    func lookup(_ hostname: String, port: Int, for service: HostResolver.Service) -> (address: String, port: Int)?
}
