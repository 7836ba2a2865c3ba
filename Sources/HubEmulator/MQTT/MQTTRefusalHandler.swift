import Logging
import MQTTCodec
import NIOCore

/// Serves a connection over the limits (``ConnectionAdmission``): its CONNECT is answered with CONNACK 3 "server
/// unavailable" (MQTT 3.1.1 §3.2.2.3), then it closes; it has five seconds to send that CONNECT.
final class MQTTRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    static let deadline: TimeAmount = .seconds(5)

    private let reason: String
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var framing = MQTTFraming()
    private var answered = false

    init(reason: String, logger: Logger) {
        self.reason = reason
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: Self.deadline) { bound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.answered else { return }
        self.framing.append(Self.unwrapInboundIn(data))
        let packet: MQTTPacket?
        do {
            if self.framing.startsWithConnect == false { throw MQTTDecodeError(packetType: nil, offset: 0, reason: "the first packet is not CONNECT") }
            packet = try self.framing.next()
        } catch {
            self.answered = true
            return context.close(promise: nil)
        }
        guard let packet else { return }
        self.answered = true
        guard case .connect(let connect) = packet else {
            context.close(promise: nil)
            return
        }
        self.logger.debug("CONNECT refused", metadata: ["device": "\(connect.clientID.prefix(128))", "reason": "\(self.reason)"])
        let bytes = MQTTPacket.connack(sessionPresent: false, returnCode: .serverUnavailable).encoded()
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: bytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
