internal import COpenSSL

/// Read-only views of a live `SSL *` that another wrapper (MosquittoKit) owns.
package enum TLSSession {
    /// Whether the handshake on `ssl` has finished.
    package static func isHandshakeComplete(_ ssl: OpaquePointer) -> Bool {
        SSL_is_init_finished(ssl) == 1
    }

    /// The negotiated protocol version, e.g. `TLSv1.3`.
    package static func protocolVersion(_ ssl: OpaquePointer) -> String {
        String(cString: SSL_get_version(ssl))
    }
}
