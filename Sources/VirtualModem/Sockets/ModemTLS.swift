import Crypto
import OpenSSLKit

/// The modem could not set up TLS for an offloaded socket: the security tags hold no usable credentials.
public struct ModemTLSSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension Modem {
    /// TLS (1.2, the modem's only version) for an offloaded socket (`TLS_SEC_TAG_LIST = secTags`, `TLS_HOSTNAME = hostname`, peer verification
    /// required): the roots of every tag, and the client certificate and key of the first tag holding both. The
    /// keys never leave the modem: they go straight into the OpenSSL context the modem hands back.
    /// - Throws: ``ModemTLSSetupError`` when no tag holds a root CA, or a stored credential cannot be loaded.
    public func tlsContext(secTags: [Int], hostname: String) throws -> TLSClientContext {
        let store = self.snapshot.credentials
        let tags = secTags.compactMap { UInt32(exactly: $0) }
        let roots = tags.compactMap { store.entry(tag: $0, type: .rootCACertificate) }.map { String(decoding: $0.content, as: UTF8.self) }
        guard !roots.isEmpty else {
            throw ModemTLSSetupError(
                description: "no ROOT_CA_CERT in security tag\(tags.count == 1 ? "" : "s") \(tags.map(String.init).joined(separator: ", "))")
        }
        var chain: String?
        var key: String?
        for tag in tags {
            guard let certificate = store.entry(tag: tag, type: .clientCertificate),
                let privateKey = store.entry(tag: tag, type: .clientPrivateKey)
            else { continue }
            chain = String(decoding: certificate.content, as: UTF8.self)
            key = try Self.privateKeyPEM(privateKey.content)
            break
        }
        do {
            return try TLSClientContext(
                credentials: TLSClientCredentials(
                    trustedRootsPEM: roots, certificateChainPEM: chain, privateKeyPEM: key, tls12Only: true),
                verifyHostname: hostname)
        } catch {
            throw ModemTLSSetupError(description: "\(error)")
        }
    }

    /// A stored key as PEM: `%KEYGEN` keys are kept as the raw P-256 scalar, written keys as the PEM given.
    private static func privateKeyPEM(_ content: [UInt8]) throws -> String {
        if content.count == 32, let key = try? P256.Signing.PrivateKey(rawRepresentation: content) {
            return key.pemRepresentation
        }
        return String(decoding: content, as: UTF8.self)
    }
}
