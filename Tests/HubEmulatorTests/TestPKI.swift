import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates made in the test, never checked in: a root, a sub-CA and leaves, valid around `now`.
struct TestPKI {
    let now: Date
    let rootKey = P256.Signing.PrivateKey()
    let subKey = P256.Signing.PrivateKey()
    let root: Certificate
    let sub: Certificate

    init(now: Date, name: String = "Test") throws {
        self.now = now
        let rootName = try DistinguishedName { CommonName("\(name) Root CA") }
        let subName = try DistinguishedName { CommonName("\(name) Sub CA") }
        self.root = try Self.issue(subject: rootName, key: self.rootKey.publicKey, issuer: rootName, issuerKey: self.rootKey, ca: true, now: now)
        self.sub = try Self.issue(subject: subName, key: self.subKey.publicKey, issuer: rootName, issuerKey: self.rootKey, ca: true, now: now)
    }

    /// A leaf for `commonName` signed by the sub-CA (or by the root).
    func leaf(_ commonName: String, byRoot: Bool = false) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        return try Self.issue(
            subject: try DistinguishedName { CommonName(commonName) }, key: key.publicKey,
            issuer: byRoot ? self.root.subject : self.sub.subject, issuerKey: byRoot ? self.rootKey : self.subKey, ca: false, now: self.now)
    }

    /// The proof-of-possession certificate for a verification code, signed by the root.
    func verification(_ code: String) throws -> Certificate {
        try Self.issue(
            subject: try DistinguishedName { CommonName(code) }, key: P256.Signing.PrivateKey().publicKey,
            issuer: self.root.subject, issuerKey: self.rootKey, ca: false, now: self.now)
    }

    static func issue(subject: DistinguishedName, key: P256.Signing.PublicKey, issuer: DistinguishedName, issuerKey: P256.Signing.PrivateKey, ca: Bool, now: Date) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key), notValidBefore: now - 3600,
            notValidAfter: now + 86400, issuer: issuer, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(ca ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority)
            },
            issuerPrivateKey: .init(issuerKey))
    }
}

extension Certificate {
    var pem: String { (try? self.serializeAsPEM().pemString) ?? "" }
}
