import Crypto
import Foundation
import IoTHubTopics
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// DPS mode: each device does what the nRF Connect SDK does (TLS with its leaf + signer chain, CONNECT with the DPS
/// user name, SUBSCRIBE, an empty register request, status polls after `retry-after`) and is timed from the TCP
/// connect to `assigned`. CONCURRENCY lanes run their devices one after another.
func runProvisioningLoad(_ arguments: [String]) throws {
    guard arguments.count == 9, let port = Int(arguments[2]), let devices = Int(arguments[6]), let lanes = Int(arguments[7]), lanes > 0 else {
        throw LoadError("usage: mqtt-load dps HOST PORT SERVER_CA SIGNER_CERT SIGNER_KEY DEVICES CONCURRENCY ID_SCOPE")
    }
    let (host, serverCA, scope) = (arguments[1], arguments[3], arguments[8])
    let signerPEM = try String(contentsOfFile: arguments[4], encoding: .utf8)
    let signer = try Certificate(pemEncoded: signerPEM)
    let signerKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: arguments[5], encoding: .utf8))
    let chainTail = try NIOSSLCertificate.fromPEMBytes(Array(signerPEM.utf8))
    let identities = try (0..<devices).map { try identity("dps-\($0)", caCert: signer, caKey: signerKey) }
    let contexts = try identities.map { leaf, key in
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(serverCA)
        configuration.certificateChain = ([leaf] + chainTail).map { .certificate($0) }
        configuration.privateKey = .privateKey(key)
        return try NIOSSLContext(configuration: configuration)
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    defer { try? group.syncShutdownGracefully() }
    let start = DispatchTime.now().uptimeNanoseconds
    let results = NIOLockedValueBox<[Double]>([])
    let failures = NIOLockedValueBox<[String]>([])

    /// Registers device `index`, then the next one of its lane.
    @Sendable func register(_ index: Int, lane: EventLoopPromise<Void>) {
        guard index < devices else { return lane.succeed(()) }
        let loop = group.next()
        let done = loop.makePromise(of: Double.self)
        let client = RegistrationClient(id: "dps-\(index)", scope: scope, done: done)
        let context = contexts[index]
        connectClient(on: loop, tls: context, handler: client, host: host, port: port).whenFailure { done.fail($0) }
        done.futureResult.whenComplete { result in
            switch result {
            case .success(let milliseconds): results.withLockedValue { $0.append(milliseconds) }
            case .failure(let error): failures.withLockedValue { $0.append("dps-\(index): \(error)") }
            }
            register(index + lanes, lane: lane)
        }
    }

    let laneResults = (0..<min(lanes, devices)).map { lane -> EventLoopFuture<Void> in
        let promise = group.next().makePromise(of: Void.self)
        register(lane, lane: promise)
        return promise.futureResult
    }
    try EventLoopFuture.andAllSucceed(laneResults, on: group.next()).wait()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let times = results.withLockedValue { $0 }.sorted()
    let failed = failures.withLockedValue { $0 }
    for failure in failed.prefix(5) { FileHandle.standardError.write(Data("mqtt-load: \(failure)\n".utf8)) }
    print(String(format: "{\"devices\": %d, \"concurrency\": %d, \"assigned\": %d, \"failures\": %d, \"seconds\": %.3f, \"registrations_per_second\": %.1f, \"assigned_p50_ms\": %.3f, \"assigned_p99_ms\": %.3f}",
        devices, lanes, times.count, failed.count, seconds, Double(times.count) / seconds, percentile(times, 0.5), percentile(times, 0.99)))
}

/// One device's registration: CONNECT, SUBSCRIBE + empty register, polls until `assigned`.
final class RegistrationClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = MQTTPacket
    let id: String
    let scope: String
    let done: EventLoopPromise<Double>
    let started = DispatchTime.now().uptimeNanoseconds
    var nextPacketID: UInt16 = 1
    var finished = false

    init(id: String, scope: String, done: EventLoopPromise<Double>) {
        self.id = id
        self.scope = scope
        self.done = done
    }

    func send(_ context: ChannelHandlerContext, _ packet: MQTTPacket) {
        let bytes = packet.encoded()
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    func packetID() -> UInt16 {
        defer { self.nextPacketID &+= 1 }
        return self.nextPacketID
    }

    func channelActive(context: ChannelHandlerContext) {
        self.send(context, .connect(Connect(
            cleanSession: true, keepAlive: 60, clientID: self.id, username: "\(self.scope)/registrations/\(self.id)/api-version=2019-03-31")))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .connack(_, let code):
            guard code == .accepted else { return self.fail(context, "CONNACK \(code)") }
            self.send(context, .subscribe(packetID: self.packetID(), subscriptions: [Subscription(topicFilter: "$dps/registrations/res/#", qos: .atLeastOnce)]))
            self.send(context, .publish(Publish(topic: "$dps/registrations/PUT/iotdps-register/?$rid=1", payload: [], qos: .atLeastOnce, packetID: self.packetID())))
        case .publish(let publish):
            guard let topic = try? ProvisioningResponseTopic.parse(publish.topic),
                let body = try? JSONSerialization.jsonObject(with: Data(publish.payload)) as? [String: Any]
            else { return self.fail(context, "unreadable response '\(publish.topic)'") }
            switch (topic.status, body["status"] as? String) {
            case (200, "assigned"?):
                self.finished = true
                self.done.succeed(Double(DispatchTime.now().uptimeNanoseconds - self.started) / 1e6)
                self.send(context, .disconnect)
                context.close(promise: nil)
            case (200..<300, "assigning"?):
                guard let operation = body["operationId"] as? String else { return self.fail(context, "no operationId") }
                let poll = MQTTPacket.publish(Publish(
                    topic: "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=\(self.nextPacketID)&operationId=\(operation)",
                    payload: [], qos: .atLeastOnce, packetID: self.packetID()))
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .seconds(Int64(topic.retryAfter ?? 0))) { self.send(loopBound.value, poll) }
            default:
                self.fail(context, "status \(topic.status): \(String(decoding: publish.payload, as: UTF8.self))")
            }
        default:
            break
        }
    }

    func fail(_ context: ChannelHandlerContext, _ reason: String) {
        self.finished = true
        self.done.fail(LoadError(reason))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.finished { self.done.fail(LoadError("disconnected")) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !self.finished {
            self.finished = true
            self.done.fail(error)
        }
        context.close(promise: nil)
    }
}
