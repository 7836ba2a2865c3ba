import NIOCore
import NIOSSL
import NIOTLS

/// The first handler of an MQTT/TLS connection, below TLS: every byte read from and written to the socket goes
/// through it to the connection's ``TrafficMeter``.
final class WireByteCounter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let meter: TrafficMeter

    init(meter: TrafficMeter) { self.meter = meter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.meter.wireIn(self.unwrapInboundIn(data))
        context.fireChannelRead(data)
        self.meter.wireInDone()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        self.meter.wireOut(self.unwrapOutboundIn(data))
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.meter.finish()
        context.fireChannelInactive()
    }
}

/// Right above TLS: the plaintext both ways, and the handshake's completion, to the connection's ``TrafficMeter``.
final class PlaintextTap: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let meter: TrafficMeter

    init(meter: TrafficMeter) { self.meter = meter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.meter.plaintextIn(self.unwrapInboundIn(data))
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        self.meter.plaintextOut(self.unwrapOutboundIn(data))
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            let version = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).tlsVersion
            self.meter.handshakeCompleted(version: version ?? nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
