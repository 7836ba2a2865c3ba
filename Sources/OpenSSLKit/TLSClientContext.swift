internal import COpenSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The credentials of one TLS client: trusted roots, and optionally a certificate chain with its private key.
public struct TLSClientCredentials: Sendable {
    /// PEM texts, each holding one or more trusted root certificates.
    public var trustedRootsPEM: [String]
    /// The client certificate, then any intermediates, as PEM.
    public var certificateChainPEM: String?
    /// The client's private key as PEM.
    public var privateKeyPEM: String?
    /// Offer TLS 1.2 only, as the nRF91 modem and the SDK's mbed TLS configuration do.
    public var tls12Only: Bool

    public init(
        trustedRootsPEM: [String], certificateChainPEM: String? = nil, privateKeyPEM: String? = nil,
        tls12Only: Bool = false
    ) {
        self.trustedRootsPEM = trustedRootsPEM
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.tls12Only = tls12Only
    }
}

/// The one owner of an OpenSSL client `SSL_CTX`: TLS 1.2 or later, peer verification required, and the server's
/// certificate checked against `verifyHostname`.
public final class TLSClientContext: @unchecked Sendable {
    /// The `SSL_CTX *`, for MosquittoKit (`MOSQ_OPT_SSL_CTX`) only.
    package let handle: OpaquePointer
    /// Written by the verify callback (first failure only); read after the handshake.
    private let verifyError: UnsafeMutablePointer<Int>

    /// Builds the context.
    /// - Parameters:
    ///   - credentials: the roots to trust and the client identity to present.
    ///   - verifyHostname: the name the server certificate must carry (also used as SNI by the caller).
    /// - Throws: ``OpenSSLError`` naming the credential that could not be loaded.
    public init(credentials: TLSClientCredentials, verifyHostname: String) throws(OpenSSLError) {
        _ = openSSLIsInitialized
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw OpenSSLError("SSL_CTX_new") }
        self.handle = context
        self.verifyError = .allocate(capacity: 1)
        self.verifyError.initialize(to: 0)
        nrfsim_ssl_ctx_set_error_slot(context, self.verifyError)
        guard nrfsim_ssl_ctx_set_min_tls12(context) == 1 else { throw OpenSSLError("TLS 1.2 minimum") }
        if credentials.tls12Only, nrfsim_ssl_ctx_set_max_tls12(context) != 1 { throw OpenSSLError("TLS 1.2 maximum") }
        nrfsim_ssl_ctx_require_peer(context)
        nrfsim_ssl_ctx_disable_session_cache(context)
        // An address literal is matched against the certificate's iPAddress names, as mbed TLS 3.6 does for a
        // hostname that is an IP address (x509_crt_check_san_ip); any other name against its DNS names.
        let parameters = SSL_CTX_get0_param(context)
        let named = Self.isAddressLiteral(verifyHostname)
            ? X509_VERIFY_PARAM_set1_ip_asc(parameters, verifyHostname) : X509_VERIFY_PARAM_set1_host(parameters, verifyHostname, 0)
        guard named == 1 else {
            throw OpenSSLError("hostname \(verifyHostname)")
        }
        let store = SSL_CTX_get_cert_store(context)
        for (index, pem) in credentials.trustedRootsPEM.enumerated() {
            for certificate in try PEMObjects.certificates(pem, what: "trusted root #\(index + 1)") {
                X509_STORE_add_cert(store, certificate)
                X509_free(certificate)
            }
        }
        if let chain = credentials.certificateChainPEM {
            let certificates = try PEMObjects.certificates(chain, what: "client certificate")
            defer { certificates.forEach { X509_free($0) } }
            guard SSL_CTX_use_certificate(context, certificates[0]) == 1 else {
                throw OpenSSLError("client certificate")
            }
            for intermediate in certificates.dropFirst() where nrfsim_ssl_ctx_add1_chain_cert(context, intermediate) != 1 {
                throw OpenSSLError("client certificate chain")
            }
        }
        if let keyPEM = credentials.privateKeyPEM {
            let key = try PEMObjects.privateKey(keyPEM, what: "client private key")
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(context, key) == 1 else { throw OpenSSLError("client private key") }
            if credentials.certificateChainPEM != nil, SSL_CTX_check_private_key(context) != 1 {
                throw OpenSSLError("the client private key does not match the client certificate")
            }
        }
    }

    /// Whether `name` is an IPv4 or IPv6 address literal.
    static func isAddressLiteral(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    deinit {
        SSL_CTX_free(self.handle)
        self.verifyError.deallocate()
    }

    /// Why the server's certificate was rejected during the last handshake, in OpenSSL's words; nil if it was not.
    public var verificationFailure: String? {
        let code = self.verifyError.pointee
        guard code != 0 else { return nil }
        return String(cString: X509_verify_cert_error_string(code))
    }
}

/// OpenSSL 3 initialises itself; loading the error strings once keeps messages readable.
private let openSSLIsInitialized: Bool = {
    OPENSSL_init_ssl(UInt64(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS), nil) == 1
}()
