/// Why ``HubClient`` got no response from the emulator. An answer with an error status is a response, not one of these.
public enum HubClientError: Error, CustomStringConvertible {
    /// `dataDirectory` holds no admin token: no emulator has run with that data directory.
    case noEmulator(dataDirectory: String)
    /// Loading the trusted root, connecting, the TLS handshake or the exchange failed.
    case unreachable(host: String, port: Int, underlying: any Error)
    /// The emulator closed the connection before its response ended.
    case connectionClosed(host: String, port: Int)

    public var description: String {
        switch self {
        case .noEmulator(let dataDirectory):
            "no emulator state in \(dataDirectory) (start `nrfsim hub --data-dir \(dataDirectory)`, or set NRFSIM_HUB_DIR)"
        case .unreachable(let host, let port, let underlying):
            "cannot reach the IoT Hub emulator at \(host):\(port): \(underlying)"
        case .connectionClosed(let host, let port):
            "cannot reach the IoT Hub emulator at \(host):\(port): the emulator closed the connection"
        }
    }
}
