// OpenSSL 3, imported only by OpenSSLKit. Wrappers exist only for what Swift cannot import (macros) and for the
// verify callback, which records the first certificate error on the SSL_CTX so the caller can report it.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static inline int nrfsim_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// Where the verify callback writes the first verification error: ex-data slot 0 of the SSL_CTX (its app data).
static inline void nrfsim_ssl_ctx_set_error_slot(SSL_CTX *ctx, long *slot) {
    SSL_CTX_set_ex_data(ctx, 0, slot);
}

static int nrfsim_verify_callback(int preverify_ok, X509_STORE_CTX *store) {
    if (!preverify_ok) {
        SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
        if (ssl != NULL) {
            long *slot = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), 0);
            if (slot != NULL && *slot == 0) {
                *slot = X509_STORE_CTX_get_error(store);
            }
        }
    }
    return preverify_ok;
}

static inline void nrfsim_ssl_ctx_require_peer(SSL_CTX *ctx) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nrfsim_verify_callback);
}

static inline int nrfsim_ssl_ctx_add1_chain_cert(SSL_CTX *ctx, X509 *cert) {
    return (int)SSL_CTX_add1_chain_cert(ctx, cert);
}

static inline void nrfsim_ssl_ctx_disable_session_cache(SSL_CTX *ctx) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

static inline int nrfsim_ssl_ctx_set_max_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
}

static inline int nrfsim_ssl_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
