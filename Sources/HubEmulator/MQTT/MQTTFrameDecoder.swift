import MQTTCodec
import NIOCore

/// Frames the TLS byte stream into MQTT packets with the pure codec; a malformed or oversize packet is an error that
/// closes the connection.
struct MQTTFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket
    let decoder: MQTTDecoder
    var sawConnect = false

    init(maximumRemainingLength: Int) {
        self.decoder = MQTTDecoder(maximumRemainingLength: maximumRemainingLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let first = buffer.readableBytesView.first else { return .needMoreData }
        if !self.sawConnect {
            // The first packet must be a CONNECT: anything else is refused at its first byte.
            guard first >> 4 == PacketType.connect.rawValue else {
                throw MQTTDecodeError(packetType: PacketType(rawValue: first >> 4), offset: 0, reason: "the first packet is not CONNECT")
            }
            self.sawConnect = true
        }
        // The decoder reads the header first, so an oversize packet is refused before its body arrives. It reads the
        // buffer's memory in place through its specialized entry point (see ``MQTTDecoder/decode(contiguous:)``).
        let decoder = self.decoder
        let decoded = try buffer.withUnsafeReadableBytes { bytes throws(MQTTDecodeError) in try decoder.decode(contiguous: bytes) }
        guard let (packet, length) = decoded else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: length)
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
