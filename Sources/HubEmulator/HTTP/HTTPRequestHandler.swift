import Logging
import NIOCore
import NIOHTTP1

/// The last handler of an HTTPS connection: answers each request `NIOHTTPServerRequestAggregator` assembled with
/// the router's response, in order (`HTTPServerPipelineHandler`, ahead of it, holds back pipelined requests until
/// the previous response ends).
///
/// Everything here runs on the channel's event loop: the router's future is bound to it, and its callbacks are
/// registered through `assumeIsolated()`, so the handler and its context need not be `Sendable`
/// (https://swiftpackageindex.com/apple/swift-nio/documentation/niocore/eventloopfuture/assumeisolated()).
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    let router: HTTPRouter
    let logger: Logger

    init(router: HTTPRouter, logger: Logger) {
        self.router = router
        self.logger = logger
    }

    /// A request that came while the connection's output was over its bound: answered once it drains.
    private var waiting: NIOHTTPServerRequestFull?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let full = Self.unwrapInboundIn(data)
        // Backpressure: a client that does not read its responses gets no new one made (`HTTPServerPipelineHandler`
        // passes one request at a time, so at most one waits here; `BackPressureHandler` stops the reading).
        guard context.channel.isWritable else {
            self.waiting = full
            return
        }
        self.respond(context: context, to: full)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let full = self.waiting {
            self.waiting = nil
            self.respond(context: context, to: full)
        }
        context.fireChannelWritabilityChanged()
    }

    private func respond(context: ChannelHandlerContext, to full: NIOHTTPServerRequestFull) {
        let request = HTTPRequest(full)
        let version = full.head.version
        let keepAlive = full.head.isKeepAlive
        self.router.respond(to: request, on: context.eventLoop).assumeIsolated().whenSuccess { response in
            self.logger.debug(
                "http", metadata: ["method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status.code)"])
            let (head, body) = response.encoded(version: version, keepAlive: keepAlive, allocator: context.channel.allocator)
            context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("http connection error", metadata: ["error": "\(error)"])
        // The aggregator reports an oversized request after it answered 413 itself, then each ignored part of its
        // body; it closes the connection when the request cannot be resynchronised, so these are not fatal here.
        if let error = error as? NIOHTTPObjectAggregatorError, error == .frameTooLong || error == .endingIgnoredMessage { return }
        context.close(promise: nil)
    }
}
