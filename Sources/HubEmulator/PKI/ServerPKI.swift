import Crypto
import Foundation
import Logging
import Secrets
import SwiftASN1
import X509

/// The server root a TLS handshake presents: two local roots whose subjects are modeled on the two roots IoT Hub
/// has served (DigiCert Global Root G2 since its migration from Baltimore CyberTrust Root, "Transport Layer
/// Security (TLS) support in IoT Hub" and "IoT Hub TLS certificate migration",
/// learn.microsoft.com/azure/iot-hub/migrate-tls-certificate), each signing a server chain of its own, so that a
/// device's handling of the migration can be tested. Generated locally: they prove nothing about the real ones.
public enum ServerRoot: String, Sendable, CaseIterable, CustomStringConvertible {
    case digicertG2 = "digicert-g2"
    case baltimore

    /// Parses `digicert-g2` or `baltimore`.
    public init(parsing text: String) throws(ServerRootError) {
        guard let root = ServerRoot(rawValue: text) else { throw .unknown(text) }
        self = root
    }

    public var description: String { self.rawValue }

    /// The files of its root and server chain in the data directory. DigiCert G2's are the emulator's historic
    /// names (`server-root-ca.pem`, what users provision as ROOT_CA_CERT).
    var files: (root: String, rootKey: String, certificate: String, key: String) {
        switch self {
        case .digicertG2: ("server-root-ca.pem", "server-root-ca-key.pem", "server-cert.pem", "server-key.pem")
        case .baltimore: ("server-root-baltimore.pem", "server-root-baltimore-key.pem", "server-cert-baltimore.pem", "server-key-baltimore.pem")
        }
    }

    /// The root's subject, modeled on the real root's (each marked as the emulator's in its OU).
    func subject() throws -> DistinguishedName {
        switch self {
        case .digicertG2:
            try DistinguishedName {
                CountryName("US")
                OrganizationName("DigiCert Inc")
                OrganizationalUnitName("nrfsim local emulator")
                CommonName("DigiCert Global Root G2")
            }
        case .baltimore:
            try DistinguishedName {
                CountryName("IE")
                OrganizationName("Baltimore")
                OrganizationalUnitName("CyberTrust (nrfsim local emulator)")
                CommonName("Baltimore CyberTrust Root")
            }
        }
    }
}

/// A `--server-root` (or admin API) value that names no root.
public enum ServerRootError: Error, Equatable, CustomStringConvertible {
    case unknown(String)

    public var description: String {
        switch self {
        case .unknown(let text): "'\(text)' is not a server root: expected \(ServerRoot.allCases.map { "'\($0)'" }.joined(separator: " or "))"
        }
    }
}

/// One root and the server chain it signs, as loaded from the data directory.
public struct ServerChain: Sendable {
    public let rootCertificatePath: String
    public let certificateChainPEM: String
    public let privateKeyPEM: String
    public let rootPEM: String
}

/// The emulator's own PKI, made on first start in the data directory: two local roots (``ServerRoot``), each with
/// a TLS server certificate whose SANs cover localhost, 127.0.0.1, ::1, the address it listens on and the hub and
/// DPS hostnames it serves. Users provision a root to the modem as `ROOT_CA_CERT` in place of DigiCert Global Root
/// G2 (and the other in a secondary sec tag, to survive a switch of roots).
public struct ServerPKI: Sendable {
    public let chains: [ServerRoot: ServerChain]
    /// Both roots in one file, for clients that must trust whichever is presented.
    public let bundlePath: String

    /// The DigiCert G2-style chain's parts, the emulator's first and default.
    public var rootCertificatePath: String { self.chain(.digicertG2).rootCertificatePath }
    public var certificateChainPEM: String { self.chain(.digicertG2).certificateChainPEM }
    public var privateKeyPEM: String { self.chain(.digicertG2).privateKeyPEM }
    public var rootPEM: String { self.chain(.digicertG2).rootPEM }

    public func chain(_ root: ServerRoot) -> ServerChain { self.chains[root]! }

    public static let dnsNames = [
        "localhost", "*.azure-devices.net", "global.azure-devices-provisioning.net", "*.azure-devices-provisioning.net",
        "*.blob.core.windows.net",
    ]

    /// A new root is valid this long, its server certificate ``serverValidity``: short, as a test PKI's should be;
    /// a server certificate within a day of its end is reissued, an expired root is an error naming its file.
    static let rootValidity: TimeInterval = 3 * 365 * 86400
    static let serverValidity: TimeInterval = 365 * 86400

    /// Loads the PKI from `directory` (made mode 0700 when missing), creating what is missing. `hostnames` (DNS names,
    /// or IP address literals such as the listen address) are added to the server certificates' SANs (a new server
    /// certificate is issued when one is not covered; see ``ServerCertificateNames``). Private keys
    /// are written mode 0600 through ``DurableFile``; a key file readable by others is named in a warning.
    /// - Throws: ``ServerPKIError`` when a file exists but cannot be read or parsed (it is never replaced then), or
    ///   cannot be written.
    public static func loadOrCreate(directory: String, hostnames: [String], now: Date = Date(), logger: Logger) throws -> ServerPKI {
        try DurableFile.makeDirectory(directory)
        var chains: [ServerRoot: ServerChain] = [:]
        for root in ServerRoot.allCases {
            chains[root] = try self.loadOrCreate(root, directory: directory, hostnames: hostnames, now: now, logger: logger)
        }
        let bundlePath = directory + "/server-roots.pem"
        let bundle = ServerRoot.allCases.map { chains[$0]!.rootPEM }.joined()
        if (try readIfPresent(bundlePath)) != bundle {
            try DurableFile.write(bundle, to: bundlePath, mode: DurableFile.publicMode)
        }
        return ServerPKI(chains: chains, bundlePath: bundlePath)
    }

    private static func loadOrCreate(_ which: ServerRoot, directory: String, hostnames: [String], now: Date, logger: Logger) throws -> ServerChain {
        let rootPath = directory + "/" + which.files.root
        let rootKeyPath = directory + "/" + which.files.rootKey
        let certPath = directory + "/" + which.files.certificate
        let keyPath = directory + "/" + which.files.key
        for path in [rootKeyPath, keyPath] {
            if let warning = DurableFile.loosePermissionsWarning(path) { logger.warning("\(warning)") }
        }
        let rootKey: P256.Signing.PrivateKey
        let root: Certificate
        switch (try readIfPresent(rootPath), try readIfPresent(rootKeyPath)) {
        case (let rootPEM?, let keyPEM?):
            do {
                rootKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
            } catch {
                throw ServerPKIError(path: rootKeyPath, reason: "not a PEM P-256 private key (\(error))")
            }
            do {
                root = try Certificate(pemEncoded: rootPEM)
            } catch {
                throw ServerPKIError(path: rootPath, reason: "not a PEM certificate (\(error))")
            }
            guard root.publicKey == Certificate.PublicKey(rootKey.publicKey) else {
                throw ServerPKIError(path: rootKeyPath, reason: "is not the key of \(rootPath); restore the pair, or remove both to make a new PKI")
            }
            guard root.notValidAfter > now else {
                throw ServerPKIError(path: rootPath, reason: "expired on \(iso8601(root.notValidAfter)); remove it and \(rootKeyPath) to make a new root, and provision it again")
            }
        case (nil, .some):
            throw ServerPKIError(path: rootPath, reason: "missing while its key \(rootKeyPath) exists; restore it, or remove both to make a new PKI")
        case (.some, nil):
            throw ServerPKIError(path: rootKeyPath, reason: "missing while its certificate \(rootPath) exists; restore it, or remove both to make a new PKI")
        default:
            rootKey = P256.Signing.PrivateKey()
            let name = try which.subject()
            root = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(rootKey.publicKey),
                notValidBefore: now - 3600, notValidAfter: now + Self.rootValidity, issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: .init(rootKey.publicKey))
                },
                issuerPrivateKey: .init(rootKey))
            try DurableFile.write(rootKey.pemRepresentation + "\n", to: rootKeyPath, mode: DurableFile.privateMode)
            try DurableFile.write(try root.serializeAsPEM().pemString + "\n", to: rootPath, mode: DurableFile.publicMode)
        }
        let rootPEM = try root.serializeAsPEM().pemString + "\n"
        let names = ServerCertificateNames(Self.dnsNames + hostnames)
        // The server certificate is reissued whenever it is unusable: it holds nothing that cannot be made again.
        if let certPEM = try readIfPresent(certPath), let keyPEM = try readIfPresent(keyPath),
            let serverKey = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM),
            let certificate = try? Certificate(pemEncoded: certPEM.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----"),
            certificate.publicKey == Certificate.PublicKey(serverKey.publicKey), certificate.notValidAfter > now + 86400,
            certificate.issuer == root.subject, root.publicKey.isValidSignature(certificate.signature, for: certificate),
            let sans = try? certificate.extensions.subjectAlternativeNames, names.areCovered(by: sans)
        {
            return ServerChain(rootCertificatePath: rootPath, certificateChainPEM: certPEM, privateKeyPEM: keyPEM, rootPEM: rootPEM)
        }
        let key = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: min(now + Self.serverValidity, root.notValidAfter), issuer: root.subject,
            subject: try DistinguishedName {
                OrganizationName("nrfsim")
                CommonName("localhost")
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.subjectAlternativeNames)
                AuthorityKeyIdentifier(keyIdentifier: try root.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(rootKey))
        let chain = try server.serializeAsPEM().pemString + "\n"
        try DurableFile.write(key.pemRepresentation + "\n", to: keyPath, mode: DurableFile.privateMode)
        try DurableFile.write(chain, to: certPath, mode: DurableFile.publicMode)
        return ServerChain(rootCertificatePath: rootPath, certificateChainPEM: chain, privateKeyPEM: key.pemRepresentation, rootPEM: rootPEM)
    }
}

/// The emulator's PKI in its data directory is unusable: names the file and what is wrong with it.
public struct ServerPKIError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(self.path): \(self.reason)" }
}

/// The file's text, or nil when there is no file. - Throws: when it exists but cannot be read.
func readIfPresent(_ path: String) throws(ServerPKIError) -> String? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw ServerPKIError(path: path, reason: "cannot be read (\((error as NSError).localizedDescription))")
    }
}
