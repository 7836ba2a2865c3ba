import Crypto
import Foundation
import Logging
import Secrets
import SwiftASN1
import X509

/// The emulator's own PKI, made on first start in the data directory: a local root CA and a TLS server certificate
/// whose SANs cover localhost, 127.0.0.1, ::1, the address it listens on and the hub and DPS hostnames it serves.
/// Users provision the root to the modem as `ROOT_CA_CERT` in place of DigiCert Global Root G2.
public struct ServerPKI: Sendable {
    public let rootCertificatePath: String
    public let certificateChainPEM: String
    public let privateKeyPEM: String
    public let rootPEM: String

    public static let dnsNames = [
        "localhost", "*.azure-devices.net", "global.azure-devices-provisioning.net", "*.azure-devices-provisioning.net",
        "*.blob.core.windows.net",
    ]

    /// Loads the PKI from `directory` (made mode 0700 when missing), creating it when missing. `hostnames` (DNS names,
    /// or IP address literals such as the listen address) are added to the server certificate's SANs (a new server
    /// certificate is issued when one is not covered; see ``ServerCertificateNames``). Private keys
    /// are written mode 0600 through ``DurableFile``; a key file readable by others is named in a warning.
    /// - Throws: ``ServerPKIError`` when a file exists but cannot be read or parsed (it is never replaced then), or
    ///   cannot be written.
    public static func loadOrCreate(directory: String, hostnames: [String], now: Date = Date(), logger: Logger) throws -> ServerPKI {
        let rootPath = directory + "/server-root-ca.pem"
        let rootKeyPath = directory + "/server-root-ca-key.pem"
        let certPath = directory + "/server-cert.pem"
        let keyPath = directory + "/server-key.pem"
        try DurableFile.makeDirectory(directory)
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
        case (nil, .some):
            throw ServerPKIError(path: rootPath, reason: "missing while its key \(rootKeyPath) exists; restore it, or remove both to make a new PKI")
        case (.some, nil):
            throw ServerPKIError(path: rootKeyPath, reason: "missing while its certificate \(rootPath) exists; restore it, or remove both to make a new PKI")
        default:
            rootKey = P256.Signing.PrivateKey()
            let name = try DistinguishedName {
                OrganizationName("nrfsim")
                CommonName("nrfsim local IoT Hub root CA")
            }
            root = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(rootKey.publicKey),
                notValidBefore: now - 3600, notValidAfter: now + 20 * 365 * 86400, issuer: name, subject: name,
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
        let names = ServerCertificateNames(Self.dnsNames + hostnames)
        // The server certificate is reissued whenever it is unusable: it holds nothing that cannot be made again.
        if let certPEM = try readIfPresent(certPath), let keyPEM = try readIfPresent(keyPath),
            let serverKey = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM),
            let certificate = try? Certificate(pemEncoded: certPEM.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----"),
            certificate.publicKey == Certificate.PublicKey(serverKey.publicKey),
            certificate.issuer == root.subject, root.publicKey.isValidSignature(certificate.signature, for: certificate),
            let sans = try? certificate.extensions.subjectAlternativeNames, names.areCovered(by: sans)
        {
            return ServerPKI(rootCertificatePath: rootPath, certificateChainPEM: certPEM, privateKeyPEM: keyPEM, rootPEM: try root.serializeAsPEM().pemString + "\n")
        }
        let key = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 5 * 365 * 86400, issuer: root.subject,
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
        return ServerPKI(rootCertificatePath: rootPath, certificateChainPEM: chain, privateKeyPEM: key.pemRepresentation, rootPEM: try root.serializeAsPEM().pemString + "\n")
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
