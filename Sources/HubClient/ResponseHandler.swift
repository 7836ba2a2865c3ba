import NIOCore
import NIOHTTP1

/// The connection closed before the response's end (``HubClient`` reports it as `.connectionClosed`).
struct ConnectionClosedEarly: Error {}

/// Collects one HTTP response and completes `promise` with it, or with the channel's error. It lives on its
/// channel's event loop: made in the channel initializer and used only by the pipeline, so it need not be `Sendable`.
final class ResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    /// The response as it arrives: head, then body parts.
    private var status = 0
    private var headers: [(String, String)] = []
    private var body: [UInt8] = []
    let promise: EventLoopPromise<HubClient.Response>

    init(promise: EventLoopPromise<HubClient.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
            self.headers = head.headers.map { ($0.name, $0.value) }
        case .body(var buffer):
            self.body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            self.promise.succeed(HubClient.Response(status: self.status, headers: self.headers, body: self.body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ConnectionClosedEarly())
    }
}
