internal import COpenSSL

/// Reads PEM text held in memory (never from files) into OpenSSL objects.
enum PEMObjects {
    /// Every certificate in `pem`, in order. The caller owns the returned `X509` handles.
    static func certificates(_ pem: String, what: String) throws(OpenSSLError) -> [OpaquePointer] {
        var certificates: [OpaquePointer] = []
        let bytes = Array(pem.utf8)
        guard let bio = bytes.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw OpenSSLError("\(what): cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            certificates.append(certificate)
        }
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
        let bytes = Array(pem.utf8)
        guard let bio = bytes.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw OpenSSLError("\(what): cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw OpenSSLError("\(what): not a PEM private key")
        }
        return key
    }
}
