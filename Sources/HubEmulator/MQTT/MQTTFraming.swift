import MQTTCodec
import NIOCore

/// Frames a connection's TLS plaintext into MQTT packets with the pure codec, inside the handler that serves them.
/// A session handler reads `ByteBuffer`s and takes its packets from here, so a packet is not a pipeline event of its
/// own: no `ByteToMessageHandler` between TLS and the session, and no `NIOAny` box for every decoded packet (perf on
/// the telemetry path: the decoder handler's own machinery and the hop took ~6 % of the emulator's CPU).
///
/// Bytes are decoded where they lie: a read that holds whole packets is not copied; only a packet split across reads
/// is gathered. The decoder reads the header first, so an oversize packet is refused before its body arrives.
struct MQTTFraming {
    private let decoder: MQTTDecoder
    private var pending: ByteBuffer?

    init(maximumRemainingLength: Int = MQTTServer.maximumPacket) {
        self.decoder = MQTTDecoder(maximumRemainingLength: maximumRemainingLength)
    }

    /// Bytes read from the connection, after those not yet framed.
    mutating func append(_ buffer: ByteBuffer) {
        if self.pending == nil || self.pending!.readableBytes == 0 {
            self.pending = buffer
        } else {
            self.pending!.writeImmutableBuffer(buffer)
        }
    }

    /// The next whole packet, or nil until more bytes arrive; a malformed or oversize packet is an error, after which
    /// the connection must be closed (MQTT 3.1.1 §4.8).
    mutating func next() throws(MQTTDecodeError) -> MQTTPacket? {
        guard let (packet, length) = try self.decoded() else { return nil }
        self.pending!.moveReaderIndex(forwardBy: length)
        if self.pending!.readableBytes == 0 { self.pending = nil }
        return packet
    }

    /// The next whole packet without taking it, or nil until more bytes arrive.
    func peek() throws(MQTTDecodeError) -> MQTTPacket? {
        try self.decoded()?.packet
    }

    /// The packet at the start of the bytes not yet framed, and its length.
    private func decoded() throws(MQTTDecodeError) -> (packet: MQTTPacket, length: Int)? {
        guard let buffer = self.pending, buffer.readableBytes > 0 else { return nil }
        let decoder = self.decoder
        return try buffer.withUnsafeReadableBytes { bytes throws(MQTTDecodeError) in try decoder.decode(contiguous: bytes) }
    }

    /// Whether the bytes so far begin with a CONNECT, which the first packet must be: checked at its first byte.
    var startsWithConnect: Bool? {
        guard let first = self.pending?.readableBytesView.first else { return nil }
        return first >> 4 == PacketType.connect.rawValue
    }

    /// The bytes not yet framed, handed on with the connection (the router gives them to the session it chose).
    mutating func take() -> ByteBuffer? {
        defer { self.pending = nil }
        return self.pending
    }
}
