import NIOSSL

/// The one TLS policy of both listeners (MQTT on 8883, HTTPS on 8443): the emulator's server chain, TLS 1.2 or
/// newer, and the same cipher suites (swift-nio-ssl's defaults). IoT Hub itself accepts TLS 1.2 and 1.3 only
/// ("Transport Layer Security (TLS) support in IoT Hub", learn.microsoft.com/azure/iot-hub/iot-hub-tls-support).
enum ServerTLS {
    /// The server configuration for `chain`; `requestClientCertificate` asks for (without requiring) a client chain,
    /// which MQTT checks at CONNECT or registration.
    static func configuration(chain: ServerChain, requestClientCertificate: Bool) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(chain.certificateChainPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(chain.privateKeyPEM.utf8), format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = requestClientCertificate ? .optionalVerification : .none
        return configuration
    }
}
