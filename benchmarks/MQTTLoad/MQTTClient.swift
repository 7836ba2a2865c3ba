import Crypto
import Foundation
import MQTTCodec
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// One MQTT client connection, confined to its channel's event loop (reached from elsewhere through a
/// `NIOLoopBoundBox`): CONNECT, then a SUBSCRIBE to `filters` at QoS 1 when there are any; `ready` succeeds at the
/// CONNACK (or the SUBACK), and from then on every packet goes to `receive`. A refusal, a disconnect or an error
/// ends the whole load (``failLoad(_:)``): a benchmark that lost a client has no figure to give.
final class MQTTClient: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    let id: String
    let username: String?
    let filters: [String]
    let ready: EventLoopPromise<Void>
    var receive: (MQTTPacket) -> Void = { _ in }
    private var context: ChannelHandlerContext?
    private var nextPacketID: UInt16 = 0
    private var finished = false

    init(id: String, username: String?, filters: [String], ready: EventLoopPromise<Void>) {
        self.id = id
        self.username = username
        self.filters = filters
        self.ready = ready
    }

    /// The next packet identifier (1…65535, wrapping).
    func packetID() -> UInt16 {
        self.nextPacketID = self.nextPacketID == UInt16.max ? 1 : self.nextPacketID + 1
        return self.nextPacketID
    }

    func send(_ packet: MQTTPacket) {
        guard let context else { return }
        let bytes = packet.encoded()
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    /// Closes the connection at the end of the run (not a failure): DISCONNECT, then the close.
    func finish() -> EventLoopFuture<Void> {
        self.finished = true
        guard let context else { return self.ready.futureResult.eventLoop.makeSucceededVoidFuture() }
        self.send(.disconnect)
        let closed = context.eventLoop.makePromise(of: Void.self)
        context.close(promise: closed)
        return closed.futureResult
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        self.send(.connect(Connect(cleanSession: true, keepAlive: 300, clientID: self.id, username: self.username)))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = Self.unwrapInboundIn(data)
        switch packet {
        case .connack(_, let code):
            guard code == .accepted else { failLoad("\(self.id): CONNACK \(code)") }
            if self.filters.isEmpty {
                self.ready.succeed(())
            } else {
                self.send(.subscribe(packetID: self.packetID(), subscriptions: self.filters.map { Subscription(topicFilter: $0, qos: .atLeastOnce) }))
            }
        case .suback(_, let codes):
            guard !codes.contains(0x80) else { failLoad("\(self.id): SUBACK refused \(self.filters)") }
            self.ready.succeed(())
        default:
            self.receive(packet)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.finished { failLoad("\(self.id): disconnected by the broker") }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !self.finished { failLoad("\(self.id): \(error)") }
    }
}

/// Ends the load at the first failure, naming it.
func failLoad(_ reason: String) -> Never {
    FileHandle.standardError.write(Data("mqtt-load: \(reason)\n".utf8))
    exit(2)
}

/// A TLS client context: the server's root, and a client certificate when there is one.
func clientTLS(serverCA: String, identity: (NIOSSLCertificate, NIOSSLPrivateKey)?) throws -> NIOSSLContext {
    var configuration = TLSConfiguration.makeClientConfiguration()
    configuration.trustRoots = .file(serverCA)
    if let (certificate, key) = identity {
        configuration.certificateChain = [.certificate(certificate)]
        configuration.privateKey = .privateKey(key)
    }
    return try NIOSSLContext(configuration: configuration)
}

/// Connects a TLS client on `loop` whose MQTT pipeline ends in the client `handler` gives (called on `loop`, from
/// the loop-bound box that owns the client).
func connect(on loop: any EventLoop, tls: NIOSSLContext, host: String, port: Int, handler: @escaping @Sendable () -> MQTTClient) {
    ClientBootstrap(group: loop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(Frames()))
                try channel.pipeline.syncOperations.addHandler(handler())
            }
        }
        .connect(host: host, port: port)
        .whenFailure { failLoad("connect to \(host):\(port): \($0)") }
}

/// What the twin and C2D modes share: the common arguments, the clients' identities and the run's clock.
struct LoadSetup {
    let host: String
    let port: Int
    let serverCA: String
    let clients: Int
    let messages: Int
    let broker: Broker
    let usernameFormat: String
    let identities: [(NIOSSLCertificate, NIOSSLPrivateKey)]

    enum Broker: String { case hub, mosquitto }

    /// HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS MESSAGES hub|mosquitto USERNAME_FORMAT, from
    /// `arguments[first]`; `extra` more identities (responders, publishers) are made after the devices'.
    init(_ arguments: [String], first: Int, extra: (Int) -> Int, usage: String) throws {
        guard arguments.count >= first + 9, let port = Int(arguments[first + 1]), let clients = Int(arguments[first + 5]),
            let messages = Int(arguments[first + 6]), let broker = Broker(rawValue: arguments[first + 7])
        else { throw LoadError("usage: \(usage)") }
        self.host = arguments[first]
        self.port = port
        self.serverCA = arguments[first + 2]
        self.clients = clients
        self.messages = messages
        self.broker = broker
        self.usernameFormat = arguments[first + 8]
        let caCert = try Certificate(pemEncoded: String(contentsOfFile: arguments[first + 3], encoding: .utf8))
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: arguments[first + 4], encoding: .utf8))
        let helpers = extra(clients)
        self.identities = try (0..<(clients + helpers)).map { index in
            try identity(index < clients ? "load-\(index)" : "helper-\(index - clients)", caCert: caCert, caKey: caKey)
        }
    }

    func username(_ id: String) -> String? {
        self.usernameFormat.isEmpty ? nil : self.usernameFormat.replacingOccurrences(of: "{id}", with: id)
    }
}

/// Closes every client (`client` is called on each box's loop) once the run is over.
func finishAll<Owner>(_ boxes: [NIOLoopBoundBox<Owner>], _ client: @escaping @Sendable (Owner) -> MQTTClient, on group: any EventLoopGroup) {
    let closes = boxes.map { box in box.eventLoop.flatSubmit { client(box.value).finish() } }
    _ = try? EventLoopFuture.andAllComplete(closes, on: group.next()).wait()
}

/// Nanoseconds on the monotonic clock every thread of the load shares.
func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Prints a mode's figures as one JSON object (what benchmarks/hub_vs_mosquitto.py reads).
func report(clients: Int, connectSeconds: Double, latencies: [Double], seconds: Double) {
    let sorted = latencies.sorted()
    print(String(format: "{\"clients\": %d, \"messages\": %d, \"connect_seconds\": %.3f, \"connects_per_second\": %.1f, \"messages_per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f}",
        clients, sorted.count, connectSeconds, Double(clients) / connectSeconds, Double(sorted.count) / seconds,
        percentile(sorted, 0.5), percentile(sorted, 0.99)))
}
