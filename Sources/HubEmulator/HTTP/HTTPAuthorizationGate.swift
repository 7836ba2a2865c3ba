import Logging
import NIOCore
import NIOHTTP1

/// Decides on a request's head alone whether its body is worth reading; nil lets it through, an error refuses it.
/// It runs on the event loop, so it must not block (a token check: an HMAC and a look-up of the hubs' keys).
typealias HTTPHeadCheck = @Sendable (HTTPRequest) -> IoTHubError?

/// Authenticates each request on its headers, before any body is buffered: a refused request is answered at once
/// (IoT Hub's error body, `Connection: close`), the rest of its body is dropped unread, and the connection closes.
/// It sits between NIO's HTTP server pipeline and the body aggregator.
final class HTTPAuthorizationGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let check: HTTPHeadCheck
    private let logger: Logger
    /// The request being refused: its remaining parts are dropped.
    private var refusing = false

    init(check: @escaping HTTPHeadCheck, logger: Logger) {
        self.check = check
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            guard !self.refusing else { return }
            if let error = self.check(HTTPRequest(head: head)) {
                self.refusing = true
                self.logger.info("https request refused before its body", metadata: [
                    "peer": "\(context.remoteAddress?.ipAddress ?? "?")", "method": "\(head.method)",
                    "status": "\(error.status)", "reason": "\(error.message)",
                ])
                let (responseHead, body) = HTTPResponse.error(error).encoded(version: head.version, keepAlive: false, allocator: context.channel.allocator)
                context.write(Self.wrapOutboundOut(.head(responseHead)), promise: nil)
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                return
            }
            context.fireChannelRead(data)
        case .body, .end:
            guard !self.refusing else { return }
            context.fireChannelRead(data)
        }
    }
}
