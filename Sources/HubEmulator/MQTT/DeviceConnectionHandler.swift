import Foundation
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import X509

/// The TLS client chain, captured by the TLS handshake's verification callback.
final class PeerChain: @unchecked Sendable {
    private let box = NIOLockedValueBox<[Certificate]>([])
    var certificates: [Certificate] {
        get { self.box.withLockedValue { $0 } }
        set { self.box.withLockedValue { $0 = newValue } }
    }
}

/// One device's MQTT session with the hub (azure-iot-hub-protocol.md §2): CONNECT and authentication, keep-alive,
/// subscriptions, telemetry, twin and method topics, C2D acknowledgements. A protocol violation closes the connection
/// and is logged with the device id and the reason; nothing is answered with an error.
final class DeviceConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    let core: HubCore
    let chain: PeerChain
    let io: SessionIO
    var link: ConnectionLink?
    var identity: DeviceSessionIdentity?
    var subscriptions: [String] = []
    var kinds: Set<DeviceSubscription> = []

    static let maximumTelemetry = 256 * 1024

    init(core: HubCore, chain: PeerChain, logger: Logger) {
        self.core = core
        self.chain = chain
        self.io = SessionIO(logger: logger)
    }

    var logger: Logger { self.io.logger }

    /// The router adds this handler to an active channel, after the first packet.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        self.io.start(context: context) { [weak self] context in
            guard let self, let identity = self.identity else { return }
            if let expiry = identity.expiresAt, Int64(self.core.now().timeIntervalSince1970) >= expiry {
                self.logger.info("SAS token expired: connection closed (401003)", metadata: ["device": "\(identity.deviceID)"])
                context.close(promise: nil)
            } else if let link = self.link {
                self.core.redeliverExpiredLocks(hub: identity.hub, deviceID: identity.deviceID, link: link)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.io.stop()
        if let identity, let link { self.core.unregister(link, identity: identity) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.io.errorCaught(context: context, error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = self.unwrapInboundIn(data)
        self.io.lastActivity = .now()
        guard let identity else {
            guard case .connect(let connect) = packet else {
                return self.violation(context: context, "\(packet.type) before CONNECT")
            }
            return self.connect(context: context, connect)
        }
        switch packet {
        case .connect:
            self.violation(context: context, "a second CONNECT")
        case .publish(let publish):
            self.publish(context: context, publish, identity: identity)
        case .puback(let packetID):
            if let sequence = self.link?.acknowledge(packetID) { self.core.completeCloudToDevice(sequence: sequence) }
        case .subscribe(let packetID, let requested):
            var granted: [UInt8] = []
            for subscription in requested {
                do {
                    let kind = try DeviceSubscription.parse(subscription.topicFilter, deviceID: identity.deviceID)
                    self.kinds.insert(kind)
                    if !self.subscriptions.contains(subscription.topicFilter) { self.subscriptions.append(subscription.topicFilter) }
                    granted.append(min(subscription.qos.rawValue, 1))
                } catch {
                    return self.violation(context: context, "SUBSCRIBE: \(error)")
                }
            }
            self.write(context: context, .suback(packetID: packetID, returnCodes: granted))
            self.core.setSubscriptions(self.subscriptions, kinds: self.kinds, identity: identity)
        case .unsubscribe(let packetID, let filters):
            for filter in filters {
                self.subscriptions.removeAll { $0 == filter }
                if let kind = try? DeviceSubscription.parse(filter, deviceID: identity.deviceID) { self.kinds.remove(kind) }
            }
            self.write(context: context, .unsuback(packetID: packetID))
            self.core.setSubscriptions(self.subscriptions, kinds: self.kinds, identity: identity)
        case .pingreq:
            self.write(context: context, .pingresp)
        case .disconnect:
            context.close(promise: nil)
        case .pubrel, .pubrec, .pubcomp:
            self.violation(context: context, "\(packet.type): QoS 2 is not supported")
        case .connack, .suback, .unsuback, .pingresp:
            self.violation(context: context, "\(packet.type) from a client")
        }
    }

    private func connect(context: ChannelHandlerContext, _ connect: Connect) {
        guard connect.protocolName == "MQTT", connect.protocolLevel == 4 else {
            self.logger.warning("connection refused", metadata: ["device": "\(connect.clientID)", "reason": "protocol \(connect.protocolName) level \(connect.protocolLevel); only MQTT 3.1.1"])
            return self.io.refuse(context: context, .unacceptableProtocolVersion)
        }
        let attempt = ConnectAttempt(
            clientID: connect.clientID, username: connect.username, password: connect.password, chain: self.chain.certificates,
            peer: self.io.peer)
        switch self.core.authenticate(attempt) {
        case .failure:
            self.io.refuse(context: context, .notAuthorized)
        case .success(let identity):
            let link = ConnectionLink(channel: context.channel, logger: self.logger, deviceID: identity.deviceID)
            self.link = link
            self.identity = identity
            self.io.client = identity.deviceID
            self.io.keepAlive = .seconds(Int64(min(Int(connect.keepAlive), 1767)))
            let stored = self.core.register(link, identity: identity, cleanSession: connect.cleanSession)
            self.write(context: context, .connack(sessionPresent: stored != nil, returnCode: .accepted))
            if let stored {
                self.subscriptions = stored
                self.kinds = Set(stored.compactMap { try? DeviceSubscription.parse($0, deviceID: identity.deviceID) })
                self.core.setSubscriptions(stored, kinds: self.kinds, identity: identity)
            }
        }
    }

    private func publish(context: ChannelHandlerContext, _ publish: Publish, identity: DeviceSessionIdentity) {
        if publish.qos == .exactlyOnce { return self.violation(context: context, "PUBLISH at QoS 2") }
        let topic: DeviceToHubTopic
        do {
            topic = try DeviceToHubTopic.parse(publish.topic)
        } catch {
            return self.violation(context: context, "PUBLISH: \(error)")
        }
        switch topic {
        case .telemetry(let deviceID, let moduleID, let properties):
            guard deviceID == identity.deviceID, moduleID == nil else {
                return self.violation(context: context, "PUBLISH to another device's topic '\(publish.topic)'")
            }
            guard publish.payload.count <= Self.maximumTelemetry else {
                return self.violation(context: context, "a \(publish.payload.count)-byte message over the 256 KB limit")
            }
            self.core.appendEvent(hub: identity.hub, deviceID: deviceID, properties: properties, body: publish.payload, retain: publish.retain)
        case .twinGet(let requestID):
            let document = self.core.deviceTwin(identity: identity) ?? .object(JSONObject())
            self.write(context: context, .publish(Publish(
                topic: HubToDeviceTopic.twinResponse(status: 200, requestID: requestID, version: nil).topic,
                payload: Array(document.text.utf8))))
        case .twinReportedPatch(let requestID):
            let result = self.core.reportProperties(identity: identity, payload: publish.payload)
            let body = result.message.map { JSONValue.object(JSONObject([("errorCode", .integer(Int64(result.status) * 1000 + 1)), ("message", .string($0))])).text } ?? ""
            self.write(context: context, .publish(Publish(
                topic: HubToDeviceTopic.twinResponse(status: result.status, requestID: requestID, version: result.version).topic,
                payload: Array(body.utf8))))
        case .methodResponse(let status, let requestID):
            self.core.methodResponse(identity: identity, requestID: requestID, status: status, payload: publish.payload)
        }
        if publish.qos == .atLeastOnce, let packetID = publish.packetID {
            self.io.writePubAck(context: context, packetID: packetID)
        }
    }

    private func write(context: ChannelHandlerContext, _ packet: MQTTPacket) {
        self.io.write(context: context, packet)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.io.flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    private func violation(context: ChannelHandlerContext, _ reason: String) {
        self.io.violation(context: context, reason)
    }
}
