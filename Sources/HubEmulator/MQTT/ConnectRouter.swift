import IoTHubTopics
import Logging
import MQTTCodec
import NIOCore

/// The first handler after TLS. The hub and DPS share one listener: the clients dial port 8883 for both
/// (azure-iot-device 2.14.0 hard-codes it, `azure/iot/device/common/mqtt_transport.py:397`; the nRF Connect SDK's
/// `CONFIG_MQTT_HELPER_PORT` defaults to it), and pointed at one gateway host they send the same SNI, so the CONNECT's
/// user name decides which session handler serves the connection: `{idScope}/registrations/{id}/…` is DPS
/// (learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps), anything else the hub. It also enforces the 30 s
/// CONNECT deadline (documented for MQTT 5, "IoT Hub MQTT 5 support", learn.microsoft.com/azure/iot/iot-mqtt-5-preview;
/// applied here to 3.1.1 too). The first packet must be a CONNECT: anything else is refused at its first byte. The
/// chosen handler is given the bytes read so far, the CONNECT with them, and frames them itself (``MQTTFraming``).
final class ConnectRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let makeHubHandler: () -> any ChannelHandler
    let makeProvisioningHandler: () -> any ChannelHandler
    let logger: Logger
    private var deadline: Scheduled<Void>?
    private var routed = false
    private var framing = MQTTFraming()

    static let connectTimeout: TimeAmount = .seconds(30)

    init(logger: Logger, hub: @escaping () -> any ChannelHandler, provisioning: @escaping () -> any ChannelHandler) {
        self.logger = logger
        self.makeHubHandler = hub
        self.makeProvisioningHandler = provisioning
    }

    func channelActive(context: ChannelHandlerContext) {
        let peer = context.remoteAddress?.description ?? "?"
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let logger = self.logger
        self.deadline = context.eventLoop.scheduleTask(in: Self.connectTimeout) {
            logger.warning("protocol violation: connection closed", metadata: ["peer": "\(peer)", "reason": "no CONNECT within 30 s"])
            loopBound.value.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadline?.cancel()
        context.fireChannelInactive()
    }

    /// Before the CONNECT, an error (a first packet that is not CONNECT, a malformed one, a TLS failure) closes the
    /// connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.routed else { return context.fireErrorCaught(error) }
        self.logger.warning(
            "protocol violation: connection closed", metadata: ["peer": "\(context.remoteAddress?.description ?? "?")", "reason": "\(error)"])
        self.routed = true  // nothing more is read
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.routed else { return context.fireChannelRead(data) }
        self.framing.append(self.unwrapInboundIn(data))
        let connect: Connect
        do {
            if let startsWithConnect = self.framing.startsWithConnect, !startsWithConnect {
                let first = self.framing.take()?.readableBytesView.first ?? 0
                throw MQTTDecodeError(packetType: PacketType(rawValue: first >> 4), offset: 0, reason: "the first packet is not CONNECT")
            }
            guard case .connect(let packet) = try self.framing.peek() else { return }  // more bytes to come
            connect = packet
        } catch {
            return self.errorCaught(context: context, error: error)
        }
        self.routed = true
        self.deadline?.cancel()
        let isProvisioning = connect.username.map(ProvisioningUsername.isProvisioning) ?? false
        do {
            let handler = isProvisioning ? self.makeProvisioningHandler() : self.makeHubHandler()
            try context.pipeline.syncOperations.addHandler(handler, position: .after(self))
        } catch {
            context.close(promise: nil)
            return
        }
        if let bytes = self.framing.take() { context.fireChannelRead(self.wrapInboundOut(bytes)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
