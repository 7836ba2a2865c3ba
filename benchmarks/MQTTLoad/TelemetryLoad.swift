import Crypto
import Foundation
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// Telemetry mode: N mutual-TLS clients each publish MESSAGES QoS 1 messages with one in flight, timing PUBACKs.
func runTelemetryLoad(_ arguments: [String]) throws {
    guard arguments.count == 11, let port = Int(arguments[2]), let clients = Int(arguments[6]), let messages = Int(arguments[7]),
        let payloadSize = Int(arguments[8])
    else {
        throw LoadError("usage: mqtt-load HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS MESSAGES PAYLOAD USERNAME_FORMAT TOPIC_FORMAT")
    }

    let host = arguments[1]
    let settings = Settings(
        caCert: try Certificate(pemEncoded: String(contentsOfFile: arguments[4], encoding: .utf8)),
        caKey: try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: arguments[5], encoding: .utf8)),
        payloadSize: payloadSize, usernameFormat: arguments[9], topicFormat: arguments[10])

    let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    let identities = try (0..<clients).map { try identity("load-\($0)", caCert: settings.caCert, caKey: settings.caKey) }
    var handlers: [LoadClient] = []
    var connects: [EventLoopFuture<Void>] = []
    let connectStart = DispatchTime.now().uptimeNanoseconds
    for index in 0..<clients {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(arguments[3])
        configuration.certificateChain = [.certificate(identities[index].0)]
        configuration.privateKey = .privateKey(identities[index].1)
        let context = try NIOSSLContext(configuration: configuration)
        let loop = group.next()
        let handler = LoadClient(id: "load-\(index)", settings: settings, connected: loop.makePromise())
        handlers.append(handler)
        let channel = connectClient(on: loop, tls: context, handler: handler, host: host, port: port)
        connects.append(channel.flatMap { _ in handler.connected.futureResult })
    }
    try EventLoopFuture.andAllSucceed(connects, on: group.next()).wait()
    let connectSeconds = Double(DispatchTime.now().uptimeNanoseconds - connectStart) / 1e9
    announceConnected()

    let publishStart = DispatchTime.now().uptimeNanoseconds
    let runs = handlers.map { handler -> EventLoopFuture<[Double]> in
        let loop = handler.context!.eventLoop
        let promise = loop.makePromise(of: [Double].self)
        loop.execute { handler.start(count: messages, promise: promise) }
        return promise.futureResult
    }
    let latencies = try EventLoopFuture.whenAllSucceed(runs, on: group.next()).wait().flatMap { $0 }.sorted()
    let publishSeconds = Double(DispatchTime.now().uptimeNanoseconds - publishStart) / 1e9
    print(String(format: "{\"clients\": %d, \"messages\": %d, \"connect_seconds\": %.3f, \"connects_per_second\": %.1f, \"messages_per_second\": %.1f, \"puback_p50_ms\": %.3f, \"puback_p99_ms\": %.3f}",
        clients, latencies.count, connectSeconds, Double(clients) / connectSeconds, Double(latencies.count) / publishSeconds,
        percentile(latencies, 0.5), percentile(latencies, 0.99)))
    try? group.syncShutdownGracefully()
}

struct Settings: @unchecked Sendable {
    var caCert: Certificate
    var caKey: P256.Signing.PrivateKey
    var payloadSize: Int
    var usernameFormat: String
    var topicFormat: String
}

/// One client: CONNECT, then MESSAGES sequential QoS 1 publishes, timing each PUBACK.
final class LoadClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = MQTTPacket
    let id: String
    let settings: Settings
    let connected: EventLoopPromise<Void>
    var finished: EventLoopPromise<[Double]>?
    var latencies: [Double] = []
    var sentAt: UInt64 = 0
    var remaining = 0
    var context: ChannelHandlerContext?
    let payload: [UInt8]

    init(id: String, settings: Settings, connected: EventLoopPromise<Void>) {
        self.id = id
        self.settings = settings
        self.connected = connected
        self.payload = [UInt8](repeating: 0x61, count: settings.payloadSize)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let username = self.settings.usernameFormat.isEmpty ? nil : self.settings.usernameFormat.replacingOccurrences(of: "{id}", with: self.id)
        self.send(.connect(Connect(cleanSession: true, keepAlive: 300, clientID: self.id, username: username)))
    }

    func send(_ packet: MQTTPacket) {
        guard let context else { return }
        let bytes = packet.encoded()
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    func start(count: Int, promise: EventLoopPromise<[Double]>) {
        self.remaining = count
        self.finished = promise
        self.publishNext()
    }

    func publishNext() {
        guard self.remaining > 0 else {
            self.finished?.succeed(self.latencies)
            return
        }
        self.remaining -= 1
        self.sentAt = DispatchTime.now().uptimeNanoseconds
        let topic = self.settings.topicFormat.replacingOccurrences(of: "{id}", with: self.id)
        self.send(.publish(Publish(topic: topic, payload: self.payload, qos: .atLeastOnce, packetID: UInt16(self.remaining % 65535 + 1))))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .connack(_, let code):
            if code == .accepted { self.connected.succeed(()) } else { self.connected.fail(LoadError("CONNACK \(code) for \(self.id)")) }
        case .puback:
            self.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - self.sentAt) / 1e6)
            self.publishNext()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connected.fail(LoadError("\(self.id) disconnected"))
        self.finished?.fail(LoadError("\(self.id) disconnected"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.connected.fail(error)
        self.finished?.fail(error)
        context.close(promise: nil)
    }
}
