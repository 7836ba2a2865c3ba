import Crypto
import Foundation
import SwiftASN1
import X509

/// The emulator's own PKI, made on first start in the data directory: a local root CA and a TLS server certificate
/// whose SANs cover localhost, 127.0.0.1, ::1 and the hub and DPS hostnames it serves. Users provision the root to the
/// modem as `ROOT_CA_CERT` in place of DigiCert Global Root G2.
public struct ServerPKI: Sendable {
    public let rootCertificatePath: String
    public let certificateChainPEM: String
    public let privateKeyPEM: String
    public let rootPEM: String

    public static let dnsNames = [
        "localhost", "*.azure-devices.net", "global.azure-devices-provisioning.net", "*.azure-devices-provisioning.net",
        "*.blob.core.windows.net",
    ]

    /// Loads the PKI from `directory`, creating it when missing. `hostnames` are added to the server certificate's
    /// SANs (a new server certificate is issued when one is not covered).
    public static func loadOrCreate(directory: String, hostnames: [String], now: Date = Date()) throws -> ServerPKI {
        let rootPath = directory + "/server-root-ca.pem"
        let rootKeyPath = directory + "/server-root-ca-key.pem"
        let certPath = directory + "/server-cert.pem"
        let keyPath = directory + "/server-key.pem"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let rootKey: P256.Signing.PrivateKey
        let root: Certificate
        if let rootPEM = try? String(contentsOfFile: rootPath, encoding: .utf8),
            let keyPEM = try? String(contentsOfFile: rootKeyPath, encoding: .utf8)
        {
            rootKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
            root = try Certificate(pemEncoded: rootPEM)
        } else {
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
            try writePrivate(rootKey.pemRepresentation + "\n", to: rootKeyPath)
            try (try root.serializeAsPEM().pemString + "\n").write(toFile: rootPath, atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: certPath)
        }
        var names = Set(Self.dnsNames + hostnames)
        names.remove("")
        if let certPEM = try? String(contentsOfFile: certPath, encoding: .utf8),
            let keyPEM = try? String(contentsOfFile: keyPath, encoding: .utf8),
            let certificate = try? Certificate(pemEncoded: certPEM.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----"),
            let sans = try? certificate.extensions.subjectAlternativeNames,
            names.isSubset(of: Set(sans.compactMap { if case .dnsName(let name) = $0 { return name } else { return nil } }))
                || names.allSatisfy({ name in covered(name, by: sans) })
        {
            return ServerPKI(rootCertificatePath: rootPath, certificateChainPEM: certPEM, privateKeyPEM: keyPEM, rootPEM: try root.serializeAsPEM().pemString + "\n")
        }
        let key = P256.Signing.PrivateKey()
        var alternativeNames = names.sorted().map { GeneralName.dnsName($0) }
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
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
                SubjectAlternativeNames(alternativeNames)
                AuthorityKeyIdentifier(keyIdentifier: try root.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(rootKey))
        let chain = try server.serializeAsPEM().pemString + "\n"
        try writePrivate(key.pemRepresentation + "\n", to: keyPath)
        try chain.write(toFile: certPath, atomically: true, encoding: .utf8)
        return ServerPKI(rootCertificatePath: rootPath, certificateChainPEM: chain, privateKeyPEM: key.pemRepresentation, rootPEM: try root.serializeAsPEM().pemString + "\n")
    }
}

private func covered(_ name: String, by sans: SubjectAlternativeNames) -> Bool {
    for san in sans {
        guard case .dnsName(let pattern) = san else { continue }
        if pattern == name { return true }
        if pattern.hasPrefix("*."), let dot = name.firstIndex(of: "."), name[dot...] == pattern.dropFirst() { return true }
    }
    return false
}

private func writePrivate(_ text: String, to path: String) throws {
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
}
