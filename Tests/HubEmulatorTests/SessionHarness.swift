import Foundation
import IoTHubTopics
import Logging
import MQTTCodec
import NIOCore
import NIOEmbedded
import NIOConcurrencyHelpers

@testable import HubEmulator

/// One device session in an `EmbeddedChannel`: the router and the hub's session handler, whose store work runs as a
/// later task of the loop (as a thread pool would complete it), packets in, decoded packets out, and the event loop's
/// time in the test's hands.
final class SessionHarness {
    let fixture: CoreFixture
    let channel: EmbeddedChannel
    let provisioning = RecordingHandler()

    /// `loop`: an event loop the session shares with others (a fresh one by default); `ticker`: the loop's shared
    /// once-a-second tick, as the listener gives its sessions (without one the session has a timer of its own).
    init(fixture: CoreFixture, loop: EmbeddedEventLoop = EmbeddedEventLoop(), ticker: SessionTicker? = nil) throws {
        self.fixture = fixture
        self.channel = EmbeddedChannel(loop: loop)
        let core = fixture.core
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let provisioning = self.provisioning
        try self.channel.pipeline.syncOperations.addHandler(ConnectRouter(
            logger: logger,
            hub: { DeviceConnectionHandler(core: core, chain: PeerChain(), executor: DeferredExecutor(), logger: logger, ticker: ticker) },
            provisioning: { provisioning }))
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).wait()
    }

    var loop: EmbeddedEventLoop { self.channel.embeddedEventLoop }
    var isOpen: Bool { self.channel.isActive }

    /// A packet from the device, as TLS hands its bytes on (one read), and the read cycle's end.
    func send(_ packet: MQTTPacket) throws {
        try self.write(packet)
        self.channel.pipeline.fireChannelReadComplete()
        self.loop.run()
    }

    /// A packet's bytes from the device, without the read cycle's end.
    func write(_ packet: MQTTPacket) throws {
        try self.channel.writeInbound(self.channel.allocator.buffer(bytes: packet.encoded()))
    }

    /// Every packet written to the device so far.
    func received() throws -> [MQTTPacket] {
        self.loop.run()
        var packets: [MQTTPacket] = []
        while var buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            while !bytes.isEmpty, let (packet, length) = try MQTTDecoder().decode(bytes[...]) {
                packets.append(packet)
                bytes.removeFirst(length)
            }
        }
        return packets
    }

    /// A CONNECT as `id` with a SAS token of the fixture's key (or `key`), or with `password`.
    static func connectPacket(
        _ id: String, key: String = CoreFixture.key, cleanSession: Bool = true, keepAlive: UInt16 = 60, password: [UInt8]? = nil
    ) -> MQTTPacket {
        let hostname = "myhub.azure-devices.net"
        let token = SASToken.make(resource: "\(hostname)/devices/\(id)", base64Key: key, expiry: 1_900_000_000)!
        return .connect(Connect(
            cleanSession: cleanSession, keepAlive: keepAlive, clientID: id,
            username: "\(hostname)/\(id)/?api-version=2021-04-12", password: password ?? Array(token.utf8)))
    }

    /// CONNECTs as `id` (see ``connectPacket(_:key:cleanSession:keepAlive:password:)``), returning the CONNACK.
    func connect(_ id: String, key: String = CoreFixture.key, cleanSession: Bool = true, keepAlive: UInt16 = 60) throws -> MQTTPacket? {
        try self.send(Self.connectPacket(id, key: key, cleanSession: cleanSession, keepAlive: keepAlive))
        return try self.received().first
    }

    func subscribe(_ filters: [String], packetID: UInt16 = 1) throws -> [MQTTPacket] {
        try self.send(.subscribe(packetID: packetID, subscriptions: filters.map { Subscription(topicFilter: $0, qos: .atLeastOnce) }))
        return try self.received()
    }
}

/// Stands in for DPS's session handler: records what the router passed it.
final class RecordingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let packets = NIOLockedValueBox<[MQTTPacket]>([])
    /// The packets in the bytes the router passed on.
    var received: [MQTTPacket] { self.packets.withLockedValue { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Array(self.unwrapInboundIn(data).readableBytesView)[...]
        while let (packet, length) = try? MQTTDecoder().decode(bytes) {
            self.packets.withLockedValue { $0.append(packet) }
            bytes = bytes.dropFirst(length)
        }
    }
}

/// Runs blocking work as the event loop's next task, so that packets queue behind it as they do behind a thread
/// pool; `EmbeddedEventLoop.run()` runs it.
struct DeferredExecutor: BlockingExecutor {
    func run<T: Sendable>(on eventLoop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        eventLoop.submit(work)
    }
}
