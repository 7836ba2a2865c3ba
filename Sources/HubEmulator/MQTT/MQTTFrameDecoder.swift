import MQTTCodec
import NIOCore

/// Frames the TLS byte stream into MQTT packets with the pure codec; a malformed or oversize packet is an error that
/// closes the connection.
struct MQTTFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket
    let decoder: MQTTDecoder

    init(maximumRemainingLength: Int) {
        self.decoder = MQTTDecoder(maximumRemainingLength: maximumRemainingLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes > 0 else { return .needMoreData }
        // The decoder reads the header first, so an oversize packet is refused before its body arrives.
        guard let (packet, length) = try self.decoder.decode(Array(buffer.readableBytesView)[...]) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: length)
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
