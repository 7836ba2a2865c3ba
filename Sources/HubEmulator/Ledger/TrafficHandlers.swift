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

    /// Published once per flush, not per write: a burst of PUBACKs is one update of the connection's ledger.
    func flush(context: ChannelHandlerContext) {
        self.meter.publish()
        context.flush()
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
    /// The version the handshake negotiated: the TLS handler's, by default.
    private let version: (ChannelHandlerContext) -> TLSVersion?

    init(meter: TrafficMeter, version: @escaping (ChannelHandlerContext) -> TLSVersion? = PlaintextTap.negotiatedVersion) {
        self.meter = meter
        self.version = version
    }

    static func negotiatedVersion(_ context: ChannelHandlerContext) -> TLSVersion? {
        (try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).tlsVersion) ?? nil
    }

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
            self.meter.handshakeCompleted(version: self.version(context))
        }
        context.fireUserInboundEventTriggered(event)
    }
}
