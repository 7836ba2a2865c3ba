import Crypto
import Foundation
import SwiftASN1
import X509

/// The nRF Connect SDK's `scripts/cert_tool.py`, with the same actions, defaults, key type, validity, subject names and
/// extensions (nrfconnect/sdk-nrf v2.9.0 `scripts/cert_tool.py:150-187` and `:207-279`): P-256 keys as unencrypted
/// PKCS#8 PEM, SHA-256 ECDSA certificates valid 365 days from now, subjects
/// `C=US, ST=Test, L=Test, O=Test Organization, CN=…`.
public struct CertTool {
    /// The current time (injectable for tests).
    public var now: () -> Date
    /// Where the tool's messages go (standard output in the CLI).
    public var print: (String) -> Void

    public init(now: @escaping () -> Date = Date.init, print: @escaping (String) -> Void) {
        self.now = now
        self.print = print
    }

    static let validity: TimeInterval = 365 * 24 * 3600
    static let warning = "\u{1B}[93mWARNING: This certificate is for testing purposes only and should not be used in production.\u{1B}[0m"

    /// `client_key`: a new EC key.
    public func clientKey(path: String) throws(CertToolError) {
        _ = try self.newKey(path: path)
    }

    /// `root_ca`: a new key and a self-signed CA certificate.
    public func rootCA(keyPath: String, certificatePath: String, commonName: String) throws(CertToolError) {
        let key = try self.newKey(path: keyPath)
        let subject = try Self.subject(commonName)
        try self.writeCA(subject: subject, issuer: subject, publicKey: key.publicKey, signer: key, path: certificatePath)
    }

    /// `sub_ca`: a new key and a CA certificate (CN `Subordinate CA`) signed by the root.
    public func subCA(keyPath: String, certificatePath: String, rootKeyPath: String, rootCertificatePath: String) throws(CertToolError) {
        let key = try self.newKey(path: keyPath)
        let rootKey = try Self.readKey(rootKeyPath)
        let root = try Self.readCertificate(rootCertificatePath)
        try self.writeCA(
            subject: try Self.subject("Subordinate CA"), issuer: root.subject, publicKey: key.publicKey, signer: rootKey,
            path: certificatePath)
    }

    /// `csr`: a PKCS#10 request for the key, with no extensions. Like cert_tool.py, it does not create directories.
    public func csr(keyPath: String, csrPath: String, commonName: String) throws(CertToolError) {
        let key = try Self.readKey(keyPath)
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(
                version: .v1, subject: try Self.subject(commonName), privateKey: Certificate.PrivateKey(key),
                attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
        } catch {
            throw CertToolError("cannot build the CSR: \(error)")
        }
        try Self.write(try Self.pem(request), to: csrPath, createDirectory: false)
        self.print("CSR saved as \(csrPath)")
    }

    /// `sign` (with the sub CA) and `sign_root` (with the root CA): a client certificate for a CSR.
    public func sign(csrPath: String, certificatePath: String, signerKeyPath: String, signerCertificatePath: String) throws(CertToolError) {
        let signer = try Self.readCertificate(signerCertificatePath)
        let signerKey = try Self.readKey(signerKeyPath)
        let request = try Self.readCSR(csrPath)
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw CertToolError("\(csrPath): the CSR's signature does not match its public key")
        }
        for attribute in request.subject.flatMap({ $0 }) where attribute.type == .RDNAttributeType.commonName {
            self.print("Signing certificate with CN: \(attribute.value)")
        }
        guard let subjectKey = P256.Signing.PublicKey(request.publicKey) else {
            throw CertToolError("\(csrPath): the CSR's key is not an EC P-256 key")
        }
        let extensions: Certificate.Extensions
        do {
            extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectKeyIdentifier(keyIdentifier: ArraySlice(Insecure.SHA1.hash(data: subjectKey.x963Representation)))
                AuthorityKeyIdentifier(keyIdentifier: ArraySlice(Insecure.SHA1.hash(data: signerKey.publicKey.x963Representation)))
                try ExtendedKeyUsage([.clientAuth])
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            }
        } catch {
            throw CertToolError("cannot build the certificate's extensions: \(error)")
        }
        let certificate = try self.certificate(
            subject: request.subject, issuer: signer.subject, publicKey: request.publicKey, signer: signerKey,
            extensions: extensions, signatureAlgorithm: signer.signatureAlgorithm == .ecdsaWithSHA384 ? .ecdsaWithSHA384 : .ecdsaWithSHA256)
        try Self.write(try Self.pem(certificate), to: certificatePath, createDirectory: false)
        self.print("Signed client certificate saved as \(certificatePath)")
    }

    // MARK: Building blocks

    private func newKey(path: String) throws(CertToolError) -> P256.Signing.PrivateKey {
        let key = P256.Signing.PrivateKey()
        try Self.write(key.pemRepresentation + "\n", to: path, createDirectory: true, secret: true)
        self.print("\(path) generated successfully!")
        return key
    }

    private func writeCA(
        subject: DistinguishedName, issuer: DistinguishedName, publicKey: P256.Signing.PublicKey,
        signer: P256.Signing.PrivateKey, path: String
    ) throws(CertToolError) {
        let extensions: Certificate.Extensions
        do {
            extensions = try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }
        } catch {
            throw CertToolError("cannot build the certificate's extensions: \(error)")
        }
        let certificate = try self.certificate(
            subject: subject, issuer: issuer, publicKey: Certificate.PublicKey(publicKey), signer: signer,
            extensions: extensions, signatureAlgorithm: .ecdsaWithSHA256)
        try Self.write(try Self.pem(certificate), to: path, createDirectory: true)
        self.print(Self.warning)
        self.print("Certificate saved as \(path)")
    }

    private func certificate(
        subject: DistinguishedName, issuer: DistinguishedName, publicKey: Certificate.PublicKey,
        signer: P256.Signing.PrivateKey, extensions: Certificate.Extensions, signatureAlgorithm: Certificate.SignatureAlgorithm
    ) throws(CertToolError) -> Certificate {
        // Whole seconds, truncated as cryptography writes them (rounding up could make a fresh certificate not yet valid).
        let now = Date(timeIntervalSince1970: self.now().timeIntervalSince1970.rounded(.down))
        do {
            return try Certificate(
                version: .v3, serialNumber: Self.randomSerial(), publicKey: publicKey, notValidBefore: now,
                notValidAfter: now + Self.validity, issuer: issuer, subject: subject,
                signatureAlgorithm: signatureAlgorithm, extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(signer))
        } catch {
            throw CertToolError("cannot sign the certificate: \(error)")
        }
    }

    /// A random positive serial number of at most 159 bits, as `x509.random_serial_number()`.
    static func randomSerial() -> Certificate.SerialNumber {
        var bytes = (0..<20).map { _ in UInt8.random(in: 0...255) }
        bytes[0] &= 0x7F
        if bytes[0] == 0 { bytes[0] = 1 }
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func subject(_ commonName: String) throws(CertToolError) -> DistinguishedName {
        do {
            return try DistinguishedName {
                CountryName("US")
                StateOrProvinceName("Test")
                LocalityName("Test")
                OrganizationName("Test Organization")
                CommonName(commonName)
            }
        } catch {
            throw CertToolError("cannot use '\(commonName)' as a common name: \(error)")
        }
    }
}
