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

    static func start(
        core: HubCore, provisioning: ProvisioningService, tls: ServerTLSContexts, host: String, port: Int, group: any EventLoopGroup,
        executor: any BlockingExecutor, limits: Limits = Limits(), admission: ConnectionAdmission, logger: Logger
    ) async throws -> any Channel {
        let tickers = try await SessionTickers(group: group)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: limits.writeBufferWaterMark)
            .childChannelInitializer { channel in
                guard let decision = admission.admit(channel) else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
                }
                let chain = PeerChain()
                let tls = NIOSSLServerHandler(context: tls.context(.mqtt)) { certificates, promise in
                    chain.certificates = certificates.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
                    promise.succeed(.certificateVerified)
                }
                return channel.eventLoop.makeCompletedFuture {
                    if case .refused(let reason) = decision {
                        try channel.pipeline.syncOperations.addHandler(tls)
                        try channel.pipeline.syncOperations.addHandler(MQTTRefusalHandler(reason: reason, logger: logger))
                        return
                    }
                    // The traffic ledger's two taps, around TLS: the wire bytes below it, the MQTT plaintext above.
                    let meter = TrafficMeter(ledger: HubConnectionLedger(registry: core.traffic))
                    try channel.pipeline.syncOperations.addHandler(WireByteCounter(meter: meter))
                    // Reading pauses while the client does not read what it is sent: the session handlers turn the
                    // channel's autoRead off while it is not writable (SessionIO.writabilityChanged).
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHandler(PlaintextTap(meter: meter))
                    // No decoder handler: the router and the session handlers frame the plaintext themselves (MQTTFraming).
                    let ticker = tickers.ticker(for: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(ConnectRouter(
                        logger: logger,
                        hub: {
                            DeviceConnectionHandler(
                                core: core, chain: chain, executor: executor, logger: logger, ticker: ticker, traffic: meter.ledger)
                        },
                        provisioning: {
                            ProvisioningConnectionHandler(service: provisioning, chain: chain, executor: executor, logger: logger, ticker: ticker)
                        }))
                }
            }
            .bind(host: host, port: port).get()
    }
}
