import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// The MQTT-over-TLS listener (8883 by default) that the hub and DPS share. Client certificates are requested, not
/// required; they are checked at CONNECT (hub) or at registration (DPS).
public enum MQTTServer {
    public static let maximumPacket = 256 * 1024 + 4 * 1024

    public static func start(
        core: HubCore, provisioning: ProvisioningService, pki: ServerPKI, host: String, port: Int, group: any EventLoopGroup,
        executor: any BlockingExecutor, logger: Logger
    ) async throws -> any Channel {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(pki.certificateChainPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(pki.privateKeyPEM.utf8), format: .pem)))
        configuration.certificateVerification = .optionalVerification
        configuration.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: configuration)
        let tickers = try await SessionTickers(group: group)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let chain = PeerChain()
                let tls = NIOSSLServerHandler(context: context) { certificates, promise in
                    chain.certificates = certificates.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
                    promise.succeed(.certificateVerified)
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTFrameDecoder(maximumRemainingLength: maximumPacket)))
                    let ticker = tickers.ticker(for: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(ConnectRouter(
                        logger: logger,
                        hub: { DeviceConnectionHandler(core: core, chain: chain, executor: executor, logger: logger, ticker: ticker) },
                        provisioning: {
                            ProvisioningConnectionHandler(service: provisioning, chain: chain, executor: executor, logger: logger, ticker: ticker)
                        }))
                }
            }
            .bind(host: host, port: port).get()
    }
}
