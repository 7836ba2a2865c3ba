import Foundation
import MQTTCodec
import NIOCore
import NIOPosix
import NIOSSL

/// Twin mode: each device sends REQUESTS reported-property PATCHes one after the other (QoS 1) and waits for each
/// one's answer on the twin response topic.
///
/// - hub: `$iothub/twin/PATCH/properties/reported/?$rid=N`, answered by the hub with
///   `$iothub/twin/res/204/?$rid=N&$version=V` once the twin is stored (Azure IoT Hub MQTT support, "Update device
///   twin's reported properties": https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub).
/// - mosquitto: the same request carries the device id, `$iothub/twin/{id}/PATCH/properties/reported/?$rid=N`, and
///   responder clients of the load (one per core, each subscribed at QoS 1 to the request topics of its share of
///   the devices) answer each with a version they count per device on `$iothub/twin/{id}/res/204/?$rid=N&$version=V`, which the device subscribed to: the broker
///   routes the request and its answer, with no store behind it.
///
/// The latency is from writing the PATCH to reading its 204; messages/s counts completed round trips.
func runTwinLoad(_ arguments: [String]) throws {
    let usage = "mqtt-load twin HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS REQUESTS hub|mosquitto USERNAME_FORMAT"
    let responders = System.coreCount
    let setup = try LoadSetup(arguments, first: 2, extra: { _ in responders }, usage: usage)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    let connectStart = nowNanoseconds()
    var readies: [EventLoopFuture<Void>] = []
    var responderBoxes: [NIOLoopBoundBox<TwinResponder>] = []
    if setup.broker == .mosquitto {
        for index in 0..<responders {
            let loop = group.next()
            let ready = loop.makePromise(of: Void.self)
            // mosquitto 2.0 does not match a `$share` filter against `$` topics: each responder subscribes to its
            // share of the devices' request topics instead.
            let filters = stride(from: index, to: setup.clients, by: responders).map { "$iothub/twin/load-\($0)/PATCH/properties/reported/#" }
            let client = MQTTClient(id: "twin-responder-\(index)", username: nil, filters: filters, ready: ready)
            let responder = TwinResponder(client: client)
            client.receive = { [unowned responder] in responder.received($0) }
            let box = NIOLoopBoundBox.makeBoxSendingValue(responder, eventLoop: loop)
            let tls = try clientTLS(serverCA: setup.serverCA, identity: setup.identities[setup.clients + index])
            connect(on: loop, tls: tls, host: setup.host, port: setup.port) { box.value.client }
            responderBoxes.append(box)
            readies.append(ready.futureResult)
        }
    }
    var devices: [NIOLoopBoundBox<TwinDevice>] = []
    var results: [EventLoopFuture<[Double]>] = []
    for index in 0..<setup.clients {
        let loop = group.next()
        let id = "load-\(index)"
        let ready = loop.makePromise(of: Void.self)
        let finished = loop.makePromise(of: [Double].self)
        let filter = setup.broker == .hub ? "$iothub/twin/res/#" : "$iothub/twin/\(id)/res/#"
        let client = MQTTClient(id: id, username: setup.username(id), filters: [filter], ready: ready)
        let device = TwinDevice(client: client, broker: setup.broker, requests: setup.messages, finished: finished)
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
    for box in devices { box.eventLoop.execute { box.value.next() } }
    let latencies = try EventLoopFuture.whenAllSucceed(results, on: group.next()).wait().flatMap { $0 }
    let seconds = Double(nowNanoseconds() - start) / 1e9
    report(clients: setup.clients, connectSeconds: connectSeconds, latencies: latencies, seconds: seconds)
    finishAll(devices, { $0.client }, on: group)
    finishAll(responderBoxes, { $0.client }, on: group)
    try? group.syncShutdownGracefully()
}

/// One device of the twin mode, on its client's event loop.
final class TwinDevice {
    let client: MQTTClient
    let broker: LoadSetup.Broker
    let requests: Int
    let finished: EventLoopPromise<[Double]>
    private var requestID = 0
    private var sentAt: UInt64 = 0
    private var latencies: [Double] = []

    init(client: MQTTClient, broker: LoadSetup.Broker, requests: Int, finished: EventLoopPromise<[Double]>) {
        self.client = client
        self.broker = broker
        self.requests = requests
        self.finished = finished
        self.latencies.reserveCapacity(requests)
    }

    /// Sends the next PATCH, or reports when all have been answered.
    func next() {
        guard self.requestID < self.requests else { return self.finished.succeed(self.latencies) }
        self.requestID += 1
        let topic = self.broker == .hub
            ? "$iothub/twin/PATCH/properties/reported/?$rid=\(self.requestID)"
            : "$iothub/twin/\(self.client.id)/PATCH/properties/reported/?$rid=\(self.requestID)"
        let payload = Array("{\"telemetryInterval\":\(self.requestID),\"firmwareVersion\":\"1.0.\(self.requestID)\"}".utf8)
        self.sentAt = nowNanoseconds()
        self.client.send(.publish(Publish(topic: topic, payload: payload, qos: .atLeastOnce, packetID: self.client.packetID())))
    }

    func received(_ packet: MQTTPacket) {
        guard case .publish(let publish) = packet else { return }  // the PUBACK of the request
        guard let answer = TwinAnswer(publish.topic), answer.requestID == String(self.requestID) else {
            failLoad("\(self.client.id): unexpected '\(publish.topic)' while waiting for $rid=\(self.requestID)")
        }
        guard answer.status == 204 else {
            failLoad("\(self.client.id): twin status \(answer.status): \(String(decoding: publish.payload, as: UTF8.self))")
        }
        self.latencies.append(Double(nowNanoseconds() - self.sentAt) / 1e6)
        self.next()
    }
}

/// A twin response topic's status and `$rid`: `…/res/{status}/?$rid={rid}[&$version={v}]`.
struct TwinAnswer {
    var status: Int
    var requestID: Substring

    init?(_ topic: String) {
        guard let res = topic.range(of: "/res/"), let query = topic.range(of: "/?", range: res.upperBound..<topic.endIndex),
            let status = Int(topic[res.upperBound..<query.lowerBound])
        else { return nil }
        self.status = status
        guard let rid = topic.range(of: "$rid=", range: query.upperBound..<topic.endIndex) else { return nil }
        self.requestID = topic[rid.upperBound...].prefix { $0 != "&" }
    }
}

/// The mosquitto peer's stand-in for the hub's twin: acknowledges each request and answers it with the device's
/// next reported version (kept in memory, per device).
final class TwinResponder {
    let client: MQTTClient
    private var versions: [Substring: Int] = [:]

    init(client: MQTTClient) { self.client = client }

    func received(_ packet: MQTTPacket) {
        guard case .publish(let publish) = packet else { return }
        if let packetID = publish.packetID { self.client.send(.puback(packetID: packetID)) }
        // $iothub/twin/{id}/PATCH/properties/reported/?$rid=N
        let parts = publish.topic.split(separator: "/", maxSplits: 3)
        guard parts.count == 4, let rid = publish.topic.range(of: "$rid=") else { failLoad("responder: unexpected '\(publish.topic)'") }
        let device = parts[2]
        let version = (self.versions[device] ?? 1) + 1
        self.versions[device] = version
        let requestID = publish.topic[rid.upperBound...].prefix { $0 != "&" }
        self.client.send(.publish(Publish(topic: "$iothub/twin/\(device)/res/204/?$rid=\(requestID)&$version=\(version)", payload: [])))
    }
}
