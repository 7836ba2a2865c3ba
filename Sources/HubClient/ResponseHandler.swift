import NIOCore
import NIOHTTP1

/// The response as it arrives: head, then body parts.
final class ResponseCollector: @unchecked Sendable {
    var status = 0
    var headers: [(String, String)] = []
    var body: [UInt8] = []
}

/// The connection closed before the response's end (``HubClient`` reports it as `.connectionClosed`).
struct ConnectionClosedEarly: Error {}

/// Collects one HTTP response and completes `promise` with it, or with the channel's error.
final class ResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let collector: ResponseCollector
    let promise: EventLoopPromise<HubClient.Response>

    init(collector: ResponseCollector, promise: EventLoopPromise<HubClient.Response>) {
        self.collector = collector
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.collector.status = Int(head.status.code)
            self.collector.headers = head.headers.map { ($0.name, $0.value) }
        case .body(var buffer):
            self.collector.body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            self.promise.succeed(HubClient.Response(status: self.collector.status, headers: self.collector.headers, body: self.collector.body))
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
