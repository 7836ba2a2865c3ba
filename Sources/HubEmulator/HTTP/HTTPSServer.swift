import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A TLS HTTP/1.1 server that reads whole requests (up to ``Limits/maximumRequestBody``) once their headers are
/// authorized, and answers each with a route's future, the route run on a thread pool (``HTTPRouter``). Its
/// connections are bounded in number, in time (``HTTPDeadlineHandler``) and in unsent output (reading pauses while
/// a client does not read its responses).
public enum HTTPSServer {
    static func start(
        tls: ServerTLSContexts, host: String, port: Int, group: any EventLoopGroup, threadPool: NIOThreadPool, limits: Limits,
        admission: ConnectionAdmission, logger: Logger, checkHead: @escaping HTTPHeadCheck, route: @escaping HTTPRoute
    ) async throws -> any Channel {
        try await Self.listen(
            tls: { tls.context(.https) }, host: host, port: port, group: group, threadPool: threadPool, limits: limits, admission: admission,
            logger: logger, checkHead: checkHead, route: route)
    }

    /// The listener itself, over TLS with the context `tls` gives each new connection or, without, over plain TCP
    /// (the blob storage's HTTP port).
    static func listen(
        tls: (@Sendable () -> NIOSSLContext)?, host: String, port: Int, group: any EventLoopGroup, threadPool: NIOThreadPool, limits: Limits,
        admission: ConnectionAdmission, logger: Logger, checkHead: @escaping HTTPHeadCheck, route: @escaping HTTPRoute
    ) async throws -> any Channel {
        let router = HTTPRouter(route: route, threadPool: threadPool)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: limits.writeBufferWaterMark)
            .childChannelInitializer { channel in
                guard let decision = admission.admit(channel) else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
                }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(BackPressureHandler())
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls())) }
                    if case .refused(let reason) = decision {
                        try Self.addRefusal(to: pipeline, reason: reason, awaitsHandshake: tls != nil, logger: logger)
                    } else {
                        try Self.addHTTPHandlers(
                            to: pipeline, router: router, limits: limits, awaitsHandshake: tls != nil, logger: logger,
                            checkHead: checkHead)
                    }
                }
            }
            .bind(host: host, port: port).get()
    }

    /// The plaintext HTTP/1.1 handlers, after TLS: NIO's server pipeline (encoder, decoder, pipelining and
    /// protocol-error handlers), the deadlines, the authorization of each head, the aggregator (which answers an
    /// oversized body with 413 itself) and the router.
    static func addHTTPHandlers(
        to pipeline: ChannelPipeline.SynchronousOperations, router: HTTPRouter, limits: Limits, awaitsHandshake: Bool = true,
        logger: Logger, checkHead: @escaping HTTPHeadCheck
    ) throws {
        try pipeline.configureHTTPServerPipeline()
        try pipeline.addHandler(HTTPDeadlineHandler(deadlines: limits.httpsDeadlines, awaitsHandshake: awaitsHandshake, logger: logger))
        try pipeline.addHandler(PayloadTooLargeHandler(limit: limits.maximumRequestBody))
        try pipeline.addHandler(HTTPAuthorizationGate(check: checkHead, logger: logger))
        try pipeline.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: limits.maximumRequestBody))
        try pipeline.addHandler(HTTPRequestHandler(router: router, logger: logger))
    }

    /// A connection over the limits: its first request is answered 503 ServiceUnavailable with the reason, then it
    /// closes; it has five seconds to send that request.
    static func addRefusal(
        to pipeline: ChannelPipeline.SynchronousOperations, reason: String, awaitsHandshake: Bool = true, logger: Logger
    ) throws {
        let quick = HTTPDeadlineHandler.Deadlines(handshake: .seconds(5), header: .seconds(5), body: .seconds(5), idle: .seconds(5))
        try pipeline.configureHTTPServerPipeline()
        try pipeline.addHandler(HTTPDeadlineHandler(deadlines: quick, awaitsHandshake: awaitsHandshake, logger: logger))
        try pipeline.addHandler(HTTPAuthorizationGate(check: { _ in .serviceUnavailable(reason) }, logger: logger))
    }
}

extension Limits {
    var httpsDeadlines: HTTPDeadlineHandler.Deadlines {
        .init(handshake: self.httpsHandshakeTimeout, header: self.httpsHeaderTimeout, body: self.httpsBodyTimeout, idle: self.httpsIdleTimeout)
    }
}
