import NIOCore
import NIOHTTP1

/// Gives the aggregator's own 413 IoT Hub's error body.
///
/// `NIOHTTPServerRequestAggregator` answers a request whose body is over its limit itself, with a bare
/// `413 Payload Too Large` and `content-length: 0` (plus `connection: close` when it will close the connection)
/// (https://swiftpackageindex.com/apple/swift-nio/documentation/niohttp1/niohttpserverrequestaggregator). It
/// writes that response from its own place in the pipeline, so this handler sits just before it, between the
/// HTTP encoder and the aggregator, and rewrites that response into ``IoTHubError/bodyTooLarge(limit:)``'s IoT Hub
/// error response: the same head and JSON body a route's error gets. Only the aggregator writes a 413 with no
/// body; every response of ``HTTPRequestHandler`` carries its error body, and passes through unchanged.
final class PayloadTooLargeHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The aggregator's body limit, which the error message names.
    private let limit: Int
    /// The error body to write before the `.end` of the rewritten response.
    private var pendingBody: ByteBuffer?

    init(limit: Int) { self.limit = limit }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(let head) where head.status == .payloadTooLarge && head.headers["content-length"] == ["0"]:
            let keepAlive = !head.headers["connection"].contains { $0.lowercased() == "close" }
            let (rewritten, body) = HTTPResponse.error(.bodyTooLarge(limit: self.limit))
                .encoded(version: head.version, keepAlive: keepAlive, allocator: context.channel.allocator)
            self.pendingBody = body
            context.write(Self.wrapOutboundOut(.head(rewritten)), promise: promise)
        case .end(let trailers) where self.pendingBody != nil:
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(self.pendingBody!))), promise: nil)
            self.pendingBody = nil
            context.write(Self.wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
