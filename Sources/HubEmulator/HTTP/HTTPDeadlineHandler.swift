import Logging
import NIOCore
import NIOHTTP1
import NIOTLS

/// The deadlines of an HTTPS connection, so that no client holds one open for nothing: the TLS handshake, the first
/// request's head, each request's body, and the wait for the next request of a kept-alive connection (the idle
/// timeout). A connection that misses one is closed and logged. While a response is being made there is no
/// deadline: a direct method may take its timeout.
///
/// It sits after NIO's HTTP server pipeline (pipelined requests reach it one at a time) and sees the TLS handler's
/// `handshakeCompleted` event.
final class HTTPDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    struct Deadlines: Sendable {
        var handshake: TimeAmount
        var header: TimeAmount
        var body: TimeAmount
        var idle: TimeAmount
    }

    private enum Phase: String {
        case handshake = "no TLS handshake within the handshake timeout"
        case head = "no request head within the header timeout"
        case body = "the request body did not end within the body timeout"
        case responding
        case idle = "no new request within the idle timeout"
    }

    private let deadlines: Deadlines
    private let logger: Logger
    private var phase: Phase
    private var timer: Scheduled<Void>?

    /// `awaitsHandshake` false: the connection is plaintext (tests), its first deadline is the header timeout.
    init(deadlines: Deadlines, awaitsHandshake: Bool = true, logger: Logger) {
        self.deadlines = deadlines
        self.logger = logger
        self.phase = awaitsHandshake ? .handshake : .head
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.arm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.arm(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, self.phase == .handshake {
            self.enter(.head, context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head: self.enter(.body, context: context)
        case .body: break
        case .end: self.enter(.responding, context: context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = Self.unwrapOutboundIn(data), self.phase == .responding {
            self.enter(.idle, context: context)
        }
        context.write(data, promise: promise)
    }

    private func enter(_ phase: Phase, context: ChannelHandlerContext) {
        self.phase = phase
        self.arm(context: context)
    }

    private func arm(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        let timeout: TimeAmount
        switch self.phase {
        case .handshake: timeout = self.deadlines.handshake
        case .head: timeout = self.deadlines.header
        case .body: timeout = self.deadlines.body
        case .idle: timeout = self.deadlines.idle
        case .responding: return
        }
        let phase = self.phase
        let peer = context.remoteAddress?.ipAddress ?? "?"
        let logger = self.logger
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.info("https connection closed", metadata: ["peer": "\(peer)", "reason": "\(phase.rawValue)"])
            bound.value.close(promise: nil)
        }
    }
}
