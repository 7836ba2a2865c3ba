internal import COpenSSL

/// Reads PEM text held in memory (never from files) into OpenSSL objects.
enum PEMObjects {
    /// Every certificate in `pem`, in order. The caller owns the returned `X509` handles.
    static func certificates(_ pem: String, what: String) throws(OpenSSLError) -> [OpaquePointer] {
        // A memory BIO reads the caller's buffer in place: every read happens while the buffer is pinned.
        let certificates: [OpaquePointer]? = Self.withMemoryBIO(pem) { bio in
            var certificates: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(certificate)
            }
            return certificates
        }
        guard let certificates else { throw OpenSSLError("\(what): cannot allocate a memory BIO") }
        // The loop ends on "no start line" once the input is used up; anything else is a real parse error.
        let trailing = OpenSSLError.drainErrorQueue().filter { !$0.contains("no start line") }
        guard trailing.isEmpty, !certificates.isEmpty else {
            certificates.forEach { X509_free($0) }
            throw OpenSSLError("\(what): no PEM certificate could be read (\(trailing.joined(separator: "; ")))")
        }
        return certificates
    }

    /// The private key in `pem` (PKCS#8, SEC1 or PKCS#1). The caller owns the returned `EVP_PKEY`.
    static func privateKey(_ pem: String, what: String) throws(OpenSSLError) -> OpaquePointer {
        let key: OpaquePointer?? = Self.withMemoryBIO(pem) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        guard let key else { throw OpenSSLError("\(what): cannot allocate a memory BIO") }
        guard let key else { throw OpenSSLError("\(what): not a PEM private key") }
        return key
    }

    /// Runs `body` with a read-only memory BIO over `text`; nil when the BIO cannot be made.
    private static func withMemoryBIO<Result>(_ text: String, _ body: (OpaquePointer) -> Result) -> Result? {
        Array(text.utf8).withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }
}
