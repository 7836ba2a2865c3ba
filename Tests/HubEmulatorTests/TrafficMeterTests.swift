import Logging
import MQTTCodec
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import Testing
import TrafficLedger

@testable import HubEmulator

/// Stands in for the TLS handler, TLS 1.3 style: records in, plaintext out. The client's handshake records are
/// consumed; its first application-data-typed record is its encrypted Finished (the handshake completes); the
/// application-data records after it carry plaintext with 17 bytes of overhead. The server flight (a handshake
/// record and an encrypted one) is written after the ClientHello; each plaintext write goes out as one record, the
/// first behind a session ticket.
final class FakeTLS: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pending: [UInt8] = []
    private var completed = false

    static func record(_ type: UInt8, _ fragment: [UInt8]) -> [UInt8] {
        [type, 3, 3, UInt8(fragment.count >> 8), UInt8(fragment.count & 0xFF)] + fragment
    }

    /// An application-data record carrying `plaintext`, as TLS 1.3 seals it (inner type and a 16-byte tag).
    static func sealed(_ plaintext: [UInt8]) -> [UInt8] { record(23, plaintext + [23] + [UInt8](repeating: 0xEE, count: 16)) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.pending += Array(self.unwrapInboundIn(data).readableBytesView)
        while self.pending.count >= 5 {
            let length = Int(self.pending[3]) << 8 | Int(self.pending[4])
            guard self.pending.count >= 5 + length else { break }
            let type = self.pending[0]
            let fragment = Array(self.pending[5..<5 + length])
            self.pending.removeFirst(5 + length)
            if type == 22 {
                // The ClientHello: the server's flight answers it.
                var flight = context.channel.allocator.buffer(capacity: 200)
                flight.writeBytes(Self.record(22, [UInt8](repeating: 2, count: 95)) + Self.record(23, [UInt8](repeating: 8, count: 75)))
                context.writeAndFlush(self.wrapOutboundOut(flight), promise: nil)
            } else if type == 23, !self.completed {
                self.completed = true
                context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
            } else if type == 23 {
                context.fireChannelRead(self.wrapInboundOut(context.channel.allocator.buffer(bytes: fragment.dropLast(17))))
            }
        }
    }

    private var ticketSent = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = Array(self.unwrapOutboundIn(data).readableBytesView)
        // A session ticket in front of the first write, as BoringSSL sends it (encrypted: application-data typed).
        let ticket = self.ticketSent ? [] : Self.record(23, [UInt8](repeating: 4, count: 200))
        self.ticketSent = true
        context.write(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: ticket + Self.sealed(plaintext))), promise: promise)
    }
}

@Suite("The traffic ledger of one connection: wire bytes by category, in an EmbeddedChannel")
struct TrafficMeterTests {
    static func session(_ fixture: CoreFixture) throws -> (EmbeddedChannel, HubConnectionLedger) {
        let channel = EmbeddedChannel()
        let meter = TrafficMeter(ledger: HubConnectionLedger(registry: fixture.core.traffic))
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let core = fixture.core
        try channel.pipeline.syncOperations.addHandler(WireByteCounter(meter: meter))
        try channel.pipeline.syncOperations.addHandler(FakeTLS())
        try channel.pipeline.syncOperations.addHandler(PlaintextTap(meter: meter, version: { _ in .tlsv13 }))
        try channel.pipeline.syncOperations.addHandler(ConnectRouter(
            logger: logger,
            hub: { DeviceConnectionHandler(core: core, chain: PeerChain(), executor: DeferredExecutor(), logger: logger, traffic: meter.ledger) },
            provisioning: { RecordingHandler() }))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8883)).wait()
        return (channel, meter.ledger)
    }

    static func read(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        channel.pipeline.fireChannelReadComplete()
        channel.embeddedEventLoop.run()
    }

    static func written(_ channel: EmbeddedChannel) throws -> Int {
        var count = 0
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { count += buffer.readableBytes }
        return count
    }

    @Test("TLS 1.3: the encrypted Finished (sent with the CONNECT in one read) is handshake; payload, keep-alive and record overhead exact; the categories sum to the wire")
    func tls13Session() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let (channel, ledger) = try Self.session(fixture)
        let clientHello = FakeTLS.record(22, [UInt8](repeating: 1, count: 200))
        let changeCipherSpec = FakeTLS.record(20, [1])
        let finished = FakeTLS.record(23, [UInt8](repeating: 0x46, count: 53))
        let connect = FakeTLS.sealed(SessionHarness.connectPacket("dev1").encoded())
        try Self.read(channel, clientHello + changeCipherSpec)
        // The Finished and the CONNECT in one read, the CONNECT's record split off across the next.
        try Self.read(channel, finished + connect.prefix(10))
        try Self.read(channel, Array(connect.dropFirst(10)))
        let payload = [UInt8](repeating: 0x7A, count: 1000)
        let telemetry = FakeTLS.sealed(MQTTPacket.publish(Publish(topic: "devices/dev1/messages/events/", payload: payload, qos: .atLeastOnce, packetID: 3)).encoded())
        let ping = FakeTLS.sealed(MQTTPacket.pingreq.encoded())
        try Self.read(channel, telemetry + ping)
        let down = try Self.written(channel)

        let counts = ledger.counts
        let upWire = clientHello.count + changeCipherSpec.count + finished.count + connect.count + telemetry.count + ping.count
        #expect(counts.up.total == upWire)
        #expect(counts.up.tlsHandshake == clientHello.count + changeCipherSpec.count + finished.count)
        #expect(counts.up.mqttPayload == 1000)
        #expect(counts.up.keepAlive == 2 + 22)
        #expect(counts.up.tlsRecords == 2 * 22)  // the CONNECT's and the PUBLISH's record headers and overhead
        #expect(counts.up.mqttControl == connect.count - 22 + telemetry.count - 22 - 1000)
        // Down: the server flight and the ticket, then CONNACK, PUBACK, PINGRESP, a record each.
        #expect(counts.down.total == down)
        #expect(counts.down.tlsHandshake == 100 + 80 + 205)
        #expect(counts.down.mqttControl == 4 + 4)
        #expect(counts.down.keepAlive == 2 + 22)
        #expect(counts.down.tlsRecords == 2 * 22)
        #expect(counts.handshakes == 1)
        #expect(counts.packets == ["CONNECT": 1, "CONNACK": 1, "PUBLISH": 1, "PUBACK": 1, "PINGREQ": 1, "PINGRESP": 1])
        for direction in [counts.up, counts.down] {
            #expect(direction.tlsHandshake + direction.tlsRecords + direction.mqttControl + direction.mqttPayload + direction.keepAlive == direction.total)
        }

        // The device's ledger: live, then the same once the connection closed; a second connection adds to it.
        #expect(fixture.core.traffic.device(hub: "myhub", deviceID: "dev1")?.counts == counts)
        _ = channel.close()
        channel.embeddedEventLoop.run()
        let closed = try #require(fixture.core.traffic.device(hub: "myhub", deviceID: "dev1"))
        #expect(closed.counts == counts && closed.connections == 1)
        let (second, _) = try Self.session(fixture)
        try Self.read(second, clientHello + changeCipherSpec + finished + connect)
        let both = try #require(fixture.core.traffic.device(hub: "myhub", deviceID: "dev1"))
        #expect(both.connections == 2 && both.counts.handshakes == 2)
        #expect(both.counts.up.total == upWire + clientHello.count + changeCipherSpec.count + finished.count + connect.count)
        #expect(both.counts.up.tlsHandshake == 2 * counts.up.tlsHandshake)
    }

    @Test("a connection refused at CONNECT is in no device's ledger")
    func refusedIsNotCounted() throws {
        let fixture = try CoreFixture()
        let (channel, _) = try Self.session(fixture)
        try Self.read(channel, FakeTLS.record(22, [1]) + FakeTLS.record(23, [UInt8](repeating: 0, count: 53)) + FakeTLS.sealed(SessionHarness.connectPacket("nobody").encoded()))
        _ = channel.close()
        channel.embeddedEventLoop.run()
        #expect(fixture.core.traffic.devices(hub: "myhub").isEmpty)
    }
}
