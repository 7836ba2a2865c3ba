import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A TLS HTTP/1.1 server that reads whole requests (up to ``maximumBody``) and answers each with a route's
/// future, the route run on a thread pool (``HTTPRouter``).
public enum HTTPSServer {
    /// 8 MiB: large enough for a firmware image uploaded as base64 JSON.
    public static let maximumBody = 8 * 1024 * 1024

    public static func start(
        pki: ServerPKI, host: String, port: Int, group: any EventLoopGroup, threadPool: NIOThreadPool, logger: Logger,
        route: @escaping HTTPRoute
    ) async throws -> any Channel {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(pki.certificateChainPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(pki.privateKeyPEM.utf8), format: .pem)))
        let context = try NIOSSLContext(configuration: configuration)
        let router = HTTPRouter(route: route, threadPool: threadPool)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try Self.addHTTPHandlers(to: channel.pipeline.syncOperations, router: router, logger: logger)
                }
            }
            .bind(host: host, port: port).get()
    }

    /// The plaintext HTTP/1.1 handlers, after TLS: NIO's server pipeline (encoder, decoder, pipelining and
    /// protocol-error handlers), the aggregator, which answers an oversized body with 413 itself, and the router.
    static func addHTTPHandlers(to pipeline: ChannelPipeline.SynchronousOperations, router: HTTPRouter, logger: Logger) throws {
        try pipeline.configureHTTPServerPipeline()
        try pipeline.addHandler(PayloadTooLargeHandler())
        try pipeline.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: Self.maximumBody))
        try pipeline.addHandler(HTTPRequestHandler(router: router, logger: logger))
    }
}
