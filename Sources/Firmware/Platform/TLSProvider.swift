import Foundation
import Logging
import OpenSSLKit
import Synchronization

/// Where a socket's TLS comes from: the modem (offloaded, nRF91) or the application's own TLS stack (native).
public enum TLSProvider: Sendable {
    case offloaded(any ModemLibrary)
    case native(TLSCredentials)

    /// The TLS context for a connection to `hostname` with these security tags.
    func context(secTags: [Int], hostname: String) throws -> TLSClientContext {
        switch self {
        case .offloaded(let modem): return try modem.tlsContext(secTags: secTags, hostname: hostname)
        case .native(let credentials): return try credentials.context(secTags: secTags, hostname: hostname)
        }
    }

    /// An offloaded socket is about to send: the modem's radio connects for the data (leaving RRC idle or PSM).
    func socketSend() {
        if case .offloaded(let modem) = self { modem.socketSend() }
    }

    /// The errno `mqtt_connect()` returns when the handshake fails: the modem answers `ECONNREFUSED`, mbed TLS
    /// sockets `ECONNABORTED`.
    var handshakeFailure: Int32 {
        switch self {
        case .offloaded: return Errno.ECONNREFUSED
        case .native: return Errno.ECONNABORTED
        }
    }
}

/// Zephyr's TLS credential store (`tls_credential_add()`), used by native TLS sockets (mbed TLS, TLS 1.2 as the
/// SDK configures it). In RAM: rebuilt each boot.
public final class TLSCredentials: Sendable {
    public enum Kind: Sendable { case caCertificate, serverCertificate, privateKey }
    private let entries = Mutex<[Int: [Kind: String]]>([:])

    public init() {}

    /// `tls_credential_add()`. - Returns: 0, or `-EEXIST` (17) when the tag already holds that type.
    @discardableResult
    public func add(tag: Int, kind: Kind, pem: String) -> Int32 {
        self.entries.withLock { entries in
            if entries[tag]?[kind] != nil { return -17 }
            entries[tag, default: [:]][kind] = pem
            return 0
        }
    }

    func context(secTags: [Int], hostname: String) throws -> TLSClientContext {
        let entries = self.entries.withLock { $0 }
        let tags = secTags.compactMap { entries[$0] }
        let roots = tags.compactMap { $0[.caCertificate] }
        guard !roots.isEmpty else {
            throw TLSSetupError("no CA certificate in security tags \(secTags.map(String.init).joined(separator: ", "))")
        }
        let identity = tags.first { $0[.serverCertificate] != nil }
        return try TLSClientContext(
            credentials: TLSClientCredentials(
                trustedRootsPEM: roots, certificateChainPEM: identity?[.serverCertificate],
                privateKeyPEM: identity?[.privateKey], tls12Only: true),
            verifyHostname: hostname)
    }

    /// `certificates_provision()` of the MQTT helper: the PEM files CMake found in the application's certificates
    /// folder, added once per boot (`-EEXIST` tolerated).
    public func provision(folder: String, secTag: Int, secondarySecTag: Int?, logger: Logger) {
        func read(_ name: String) -> String? {
            let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else { return nil }
            return text
        }
        let sets: [(Int, String, String, String)] = [(secTag, "ca-cert.pem", "client-cert.pem", "private-key.pem")]
            + (secondarySecTag.map { [($0, "ca-cert-2.pem", "client-cert-2.pem", "private-key-2.pem")] } ?? [])
        for (tag, ca, cert, key) in sets {
            for (file, kind) in [(ca, Kind.caCertificate), (key, .privateKey), (cert, .serverCertificate)] {
                guard let pem = read(file) else { continue }
                let err = self.add(tag: tag, kind: kind, pem: pem)
                if err != 0 && err != -17 { logger.error("Failed to register \(file), error: \(err)") }
            }
        }
    }
}
