import Logging
import NIOConcurrencyHelpers
import NIOSSL

/// The TLS contexts of both listeners for each ``ServerRoot``, made once, and the root new handshakes present
/// (`nrfsim hub --server-root`, switched at run time through the admin API). A switch applies to the handshakes
/// that follow it; a connection keeps the chain it was made with. Its own lock, taken alone.
public final class ServerTLSContexts: Sendable {
    /// Which listener a context is for: MQTT asks for a client certificate, HTTPS does not.
    enum Listener {
        case mqtt, https
    }

    private let mqtt: [ServerRoot: NIOSSLContext]
    private let https: [ServerRoot: NIOSSLContext]
    private let presented: NIOLockedValueBox<ServerRoot>
    private let rootPaths: [ServerRoot: String]
    private let logger: Logger

    init(pki: ServerPKI, presenting root: ServerRoot, logger: Logger) throws {
        var mqtt: [ServerRoot: NIOSSLContext] = [:]
        var https: [ServerRoot: NIOSSLContext] = [:]
        for root in ServerRoot.allCases {
            mqtt[root] = try NIOSSLContext(configuration: try ServerTLS.configuration(chain: pki.chain(root), requestClientCertificate: true))
            https[root] = try NIOSSLContext(configuration: try ServerTLS.configuration(chain: pki.chain(root), requestClientCertificate: false))
        }
        self.mqtt = mqtt
        self.https = https
        self.rootPaths = Dictionary(uniqueKeysWithValues: ServerRoot.allCases.map { ($0, pki.chain($0).rootCertificatePath) })
        self.presented = NIOLockedValueBox(root)
        self.logger = logger
    }

    /// The root new handshakes present.
    public var root: ServerRoot { self.presented.withLockedValue { $0 } }

    /// Presents `root` from the next handshake on. - Returns: the root presented before.
    @discardableResult
    public func present(_ root: ServerRoot) -> ServerRoot {
        let previous = self.presented.withLockedValue { presented in
            defer { presented = root }
            return presented
        }
        self.logger.notice("server root switched: new TLS handshakes present \(root)", metadata: ["previous": "\(previous)"])
        return previous
    }

    /// Where `root`'s certificate is, for provisioning.
    public func rootCertificatePath(_ root: ServerRoot) -> String { self.rootPaths[root]! }

    /// The context a new connection of `listener` handshakes with.
    func context(_ listener: Listener) -> NIOSSLContext {
        let root = self.root
        return listener == .mqtt ? self.mqtt[root]! : self.https[root]!
    }
}
