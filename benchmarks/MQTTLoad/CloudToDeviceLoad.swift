import Foundation
import MQTTCodec
import NIOCore
import NIOPosix
import NIOSSL

/// C2D mode: each device subscribes to `devices/{id}/messages/devicebound/#` at QoS 1 and receives MESSAGES
/// messages of 256 bytes, one at a time: the next is sent once the device has received (and PUBACKed) the last.
/// SENDERS connections send them, each with one request in flight, the devices shared among them:
///
/// - hub: the emulator's admin API, `POST /admin/hubs/{hub}/devices/{id}/messages` over HTTPS (what
///   `nrfsim az iot device c2d-message send` calls); the hub queues the message in its store, delivers it on the
///   device's `devices/{id}/messages/devicebound/{bag}` topic and completes it at the PUBACK.
/// - mosquitto: MQTT publisher clients publish at QoS 1 to the same topic, with the property bag the hub would put
///   there (`$.mid`, `$.to`); the broker routes it to the subscribed device.
///
/// A request's answer (the HTTP 200, the publisher's PUBACK) lets its sender send the next one. The latency is from
/// writing the request to the device reading the message (the send time travels in the payload); messages/s counts
/// messages received.
func runCloudToDeviceLoad(_ arguments: [String]) throws {
    let usage = "mqtt-load c2d HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS MESSAGES hub|mosquitto USERNAME_FORMAT SENDERS [HTTPS_PORT HUB ADMIN_TOKEN_FILE]"
    guard arguments.count >= 12, let senderCount = Int(arguments[11]), senderCount > 0 else { throw LoadError("usage: \(usage)") }
    let setup = try LoadSetup(arguments, first: 2, extra: { _ in senderCount }, usage: usage)
    var admin: (port: Int, hub: String, token: String)?
    if setup.broker == .hub {
        guard arguments.count == 15, let port = Int(arguments[12]) else { throw LoadError("usage: \(usage)") }
        let token = try String(contentsOfFile: arguments[14], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        admin = (port, arguments[13], token)
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    let connectStart = nowNanoseconds()
    var readies: [EventLoopFuture<Void>] = []

    // Each sender as what the devices and the end of the run need: queue a device, close the connection.
    var senders: [(send: @Sendable (Int) -> Void, finish: @Sendable () -> EventLoopFuture<Void>)] = []
    for index in 0..<senderCount {
        let loop = group.next()
        let ready = loop.makePromise(of: Void.self)
        if let admin {
            let box = NIOLoopBoundBox.makeBoxSendingValue(AdminAPISender(hub: admin.hub, token: admin.token, ready: ready), eventLoop: loop)
            let tls = try clientTLS(serverCA: setup.serverCA, identity: nil)
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                        try channel.pipeline.syncOperations.addHandler(box.value)
                    }
                }
                .connect(host: setup.host, port: admin.port)
                .whenFailure { failLoad("connect to \(setup.host):\(admin.port): \($0)") }
            senders.append(({ device in box.eventLoop.execute { box.value.send(to: device) } }, { box.eventLoop.flatSubmit { box.value.finish() } }))
        } else {
            let client = MQTTClient(id: "c2d-publisher-\(index)", username: nil, filters: [], ready: ready)
            let publisher = MQTTPublisher(client: client)
            client.receive = { [unowned publisher] in publisher.received($0) }
            let box = NIOLoopBoundBox.makeBoxSendingValue(publisher, eventLoop: loop)
            let tls = try clientTLS(serverCA: setup.serverCA, identity: setup.identities[setup.clients + index])
            connect(on: loop, tls: tls, host: setup.host, port: setup.port) { box.value.client }
            senders.append(({ device in box.eventLoop.execute { box.value.send(to: device) } }, { box.eventLoop.flatSubmit { box.value.client.finish() } }))
        }
        readies.append(ready.futureResult)
    }

    var devices: [NIOLoopBoundBox<CloudToDeviceDevice>] = []
    var results: [EventLoopFuture<[Double]>] = []
    for index in 0..<setup.clients {
        let loop = group.next()
        let id = "load-\(index)"
        let ready = loop.makePromise(of: Void.self)
        let finished = loop.makePromise(of: [Double].self)
        let client = MQTTClient(id: id, username: setup.username(id), filters: ["devices/\(id)/messages/devicebound/#"], ready: ready)
        let send = senders[index % senderCount].send
        let device = CloudToDeviceDevice(client: client, index: index, messages: setup.messages, finished: finished) { send(index) }
        client.receive = { [unowned device] in device.received($0) }
        let box = NIOLoopBoundBox.makeBoxSendingValue(device, eventLoop: loop)
        let tls = try clientTLS(serverCA: setup.serverCA, identity: setup.identities[index])
        connect(on: loop, tls: tls, host: setup.host, port: setup.port) { box.value.client }
        devices.append(box)
        readies.append(ready.futureResult)
        results.append(finished.futureResult)
    }
    try EventLoopFuture.andAllSucceed(readies, on: group.next()).wait()
    let connectSeconds = Double(nowNanoseconds() - connectStart) / 1e9
    announceConnected()

    let start = nowNanoseconds()
    for box in devices { box.eventLoop.execute { box.value.requestNext() } }
    let latencies = try EventLoopFuture.whenAllSucceed(results, on: group.next()).wait().flatMap { $0 }
    let seconds = Double(nowNanoseconds() - start) / 1e9
    report(clients: setup.clients, connectSeconds: connectSeconds, latencies: latencies, seconds: seconds)
    finishAll(devices, { $0.client }, on: group)
    _ = try? EventLoopFuture.andAllComplete(senders.map { $0.finish() }, on: group.next()).wait()
    try? group.syncShutdownGracefully()
}

/// The 256-byte body: the send time in 16 hex digits, then filler.
func cloudToDeviceBody() -> String {
    let stamp = String(nowNanoseconds(), radix: 16)
    return String(repeating: "0", count: 16 - stamp.count) + stamp + String(repeating: "c", count: 256 - 16)
}

/// One device of the C2D mode, on its client's event loop.
final class CloudToDeviceDevice {
    let client: MQTTClient
    let index: Int
    let messages: Int
    let finished: EventLoopPromise<[Double]>
    let requestNext: () -> Void
    private var latencies: [Double] = []

    init(client: MQTTClient, index: Int, messages: Int, finished: EventLoopPromise<[Double]>, requestNext: @escaping () -> Void) {
        self.client = client
        self.index = index
        self.messages = messages
        self.finished = finished
        self.requestNext = requestNext
        self.latencies.reserveCapacity(messages)
    }

    func received(_ packet: MQTTPacket) {
        guard case .publish(let publish) = packet else { return }
        if let packetID = publish.packetID { self.client.send(.puback(packetID: packetID)) }
        guard publish.payload.count >= 16, let sentAt = UInt64(String(decoding: publish.payload.prefix(16), as: UTF8.self), radix: 16) else {
            failLoad("\(self.client.id): a C2D message without its send time on '\(publish.topic)'")
        }
        self.latencies.append(Double(nowNanoseconds() - sentAt) / 1e6)
        if self.latencies.count < self.messages {
            self.requestNext()
        } else if self.latencies.count == self.messages {
            self.finished.succeed(self.latencies)
        }
    }
}

/// The mosquitto peer's sender: a publisher client, one QoS 1 PUBLISH in flight.
final class MQTTPublisher {
    let client: MQTTClient
    private var queue = SenderQueue()

    init(client: MQTTClient) { self.client = client }

    /// Queues device `index` for its next message, sent when the request in flight is answered.
    func send(to index: Int) {
        self.queue.append(index)
        self.pump()
    }

    private func pump() {
        guard let index = self.queue.take() else { return }
        let id = "load-\(index)"
        // The bag the hub puts on the topic, percent-encoded as it does: $.mid, then $.to.
        let topic = "devices/\(id)/messages/devicebound/%24.mid=\(UUID().uuidString.lowercased())&%24.to=%2Fdevices%2F\(id)%2Fmessages%2Fdevicebound"
        self.client.send(.publish(Publish(topic: topic, payload: Array(cloudToDeviceBody().utf8), qos: .atLeastOnce, packetID: self.client.packetID())))
    }

    func received(_ packet: MQTTPacket) {
        guard case .puback = packet else { return }
        self.queue.done()
        self.pump()
    }
}

/// The hub's sender: an HTTPS/1.1 keep-alive connection to the admin API, one request in flight.
final class AdminAPISender: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let hub: String
    let token: String
    let ready: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var queue = SenderQueue()
    private var response: ByteBuffer?
    private var finished = false

    init(hub: String, token: String, ready: EventLoopPromise<Void>) {
        self.hub = hub
        self.token = token
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        self.ready.succeed(())
        context.fireChannelActive()
    }

    /// Queues device `index` for its next message, sent when the request in flight is answered.
    func send(to index: Int) {
        self.queue.append(index)
        self.pump()
    }

    private func pump() {
        guard let context, let index = self.queue.take() else { return }
        let body = "{\"data\":\"\(cloudToDeviceBody())\"}"
        let head = "POST /admin/hubs/\(self.hub)/devices/load-\(index)/messages HTTP/1.1\r\nHost: localhost\r\n"
            + "Authorization: Bearer \(self.token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        var buffer = context.channel.allocator.buffer(capacity: head.utf8.count + body.utf8.count)
        buffer.writeString(head)
        buffer.writeString(body)
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = Self.unwrapInboundIn(data)
        if self.response == nil {
            self.response = incoming
        } else {
            self.response!.writeBuffer(&incoming)
        }
        while let (status, text) = self.takeResponse() {
            guard status == 200 else { failLoad("admin API: HTTP \(status): \(text)") }
            self.queue.done()
            self.pump()
        }
    }

    /// A whole response (the server always sends `Content-Length`) taken from the buffer: its status and body.
    private func takeResponse() -> (Int, String)? {
        guard var buffer = self.response else { return nil }
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: "\r\n\r\n".utf8) else { return nil }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2, let status = Int(statusLine.split(separator: " ")[1]) else {
            failLoad("admin API: unreadable response head '\(head)'")
        }
        let length = lines.dropFirst().compactMap { line -> Int? in
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == "content-length" else { return nil }
            return Int(pair[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let headLength = end.upperBound - view.startIndex
        guard buffer.readableBytes >= headLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headLength)
        let body = buffer.readString(length: length) ?? ""
        self.response = buffer.readableBytes > 0 ? buffer : nil
        return (status, body)
    }

    /// Closes the connection at the end of the run.
    func finish() -> EventLoopFuture<Void> {
        self.finished = true
        guard let context else { return self.ready.futureResult.eventLoop.makeSucceededVoidFuture() }
        let closed = context.eventLoop.makePromise(of: Void.self)
        context.close(promise: closed)
        return closed.futureResult
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.finished { failLoad("admin API: the connection closed") }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !self.finished { failLoad("admin API: \(error)") }
    }
}

/// A sender's devices waiting for their next message, and whether a request is in flight.
struct SenderQueue {
    private var waiting: [Int] = []
    private var head = 0
    private var busy = false

    mutating func append(_ index: Int) { self.waiting.append(index) }

    /// The next device to send to, when no request is in flight.
    mutating func take() -> Int? {
        guard !self.busy, self.head < self.waiting.count else { return nil }
        defer {
            self.head += 1
            if self.head == self.waiting.count {
                self.waiting.removeAll(keepingCapacity: true)
                self.head = 0
            }
        }
        self.busy = true
        return self.waiting[self.head]
    }

    /// The request in flight was answered.
    mutating func done() { self.busy = false }
}
