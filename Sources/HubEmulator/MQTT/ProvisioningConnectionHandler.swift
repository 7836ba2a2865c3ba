import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOCore

/// One device's MQTT session with DPS (azure-iot-hub-protocol.md §3): CONNECT (client id = registration id, the DPS
/// user name, a known ID scope), the `$dps/registrations/res/#` subscription, register and status requests. Every
/// session is clean. A request DPS cannot serve is answered `400` on its `$rid` when it has one; anything else that
/// breaks the protocol closes the connection, logged with the registration id and the reason.
final class ProvisioningConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    let service: ProvisioningService
    let chain: PeerChain
    let io: SessionIO
    var attempt: ProvisioningAttempt?

    init(service: ProvisioningService, chain: PeerChain, logger: Logger) {
        self.service = service
        self.chain = chain
        self.io = SessionIO(logger: logger)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.io.start(context: context) { _ in } }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.io.start(context: context) { _ in }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.io.stop()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.io.errorCaught(context: context, error)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.io.flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = self.unwrapInboundIn(data)
        self.io.lastActivity = .now()
        guard let attempt else {
            guard case .connect(let connect) = packet else { return self.io.violation(context: context, "\(packet.type) before CONNECT") }
            return self.connect(context: context, connect)
        }
        switch packet {
        case .publish(let publish):
            self.publish(context: context, publish, attempt: attempt)
        case .subscribe(let packetID, let requested):
            for subscription in requested where subscription.topicFilter != DeviceToProvisioningTopic.responseFilter {
                return self.io.violation(context: context, "SUBSCRIBE to '\(subscription.topicFilter)'; DPS accepts only '\(DeviceToProvisioningTopic.responseFilter)'")
            }
            self.io.write(context: context, .suback(packetID: packetID, returnCodes: requested.map { min($0.qos.rawValue, 1) }))
        case .unsubscribe(let packetID, _):
            self.io.write(context: context, .unsuback(packetID: packetID))
        case .pingreq:
            self.io.write(context: context, .pingresp)
        case .puback:
            break
        case .disconnect:
            context.close(promise: nil)
        case .connect:
            self.io.violation(context: context, "a second CONNECT")
        case .pubrel, .pubrec, .pubcomp:
            self.io.violation(context: context, "\(packet.type): QoS 2 is not supported")
        case .connack, .suback, .unsuback, .pingresp:
            self.io.violation(context: context, "\(packet.type) from a client")
        }
    }

    private func connect(context: ChannelHandlerContext, _ connect: Connect) {
        func refuse(_ code: ConnectReturnCode, _ reason: String) {
            self.io.logger.warning("DPS connection refused", metadata: ["registration": "\(connect.clientID)", "peer": "\(self.io.peer)", "reason": "\(reason)"])
            self.io.refuse(context: context, code)
        }
        guard connect.protocolName == "MQTT", connect.protocolLevel == 4 else {
            return refuse(.unacceptableProtocolVersion, "protocol \(connect.protocolName) level \(connect.protocolLevel); only MQTT 3.1.1")
        }
        let username: ProvisioningUsername
        do {
            username = try ProvisioningUsername.parse(connect.username ?? "")
        } catch {
            return refuse(.notAuthorized, "\(error)")
        }
        guard username.registrationID == connect.clientID else {
            return refuse(.notAuthorized, "client id '\(connect.clientID)' differs from the user name's registration id '\(username.registrationID)'")
        }
        guard ProvisioningService.validRegistrationID(username.registrationID) else {
            return refuse(.notAuthorized, "'\(username.registrationID)' is not a valid registration id")
        }
        guard let dps = self.service.instanceName(forScope: username.idScope) else {
            return refuse(.notAuthorized, "no DPS instance has ID scope '\(username.idScope)'")
        }
        self.attempt = ProvisioningAttempt(
            dps: dps, registrationID: username.registrationID, password: connect.password, chain: self.chain.certificates, peer: self.io.peer)
        self.io.client = username.registrationID
        self.io.keepAlive = .seconds(Int64(min(Int(connect.keepAlive), 1767)))
        self.io.logger.info("DPS device connected", metadata: [
            "dps": "\(dps)", "registration": "\(username.registrationID)", "api-version": "\(username.apiVersion ?? "-")",
        ])
        self.io.write(context: context, .connack(sessionPresent: false, returnCode: .accepted))
    }

    private func publish(context: ChannelHandlerContext, _ publish: Publish, attempt: ProvisioningAttempt) {
        if publish.qos == .exactlyOnce { return self.io.violation(context: context, "PUBLISH at QoS 2") }
        let reply: ProvisioningReply
        let requestID: String
        do {
            switch try DeviceToProvisioningTopic.parse(publish.topic) {
            case .register(let rid):
                requestID = rid
                reply = self.service.register(attempt, body: publish.payload)
            case .operationStatus(let rid, let operationID):
                requestID = rid
                reply = self.service.operationStatus(attempt, operationID: operationID)
            }
        } catch {
            guard let rid = error.requestID else { return self.io.violation(context: context, "PUBLISH: \(error)") }
            self.io.logger.warning("DPS request refused", metadata: ["registration": "\(attempt.registrationID)", "reason": "\(error)"])
            requestID = rid
            reply = self.service.errorReply(400, 400004, "Bad request: \(error)")
        }
        if publish.qos == .atLeastOnce, let packetID = publish.packetID {
            self.io.writePubAck(context: context, packetID: packetID)
        }
        let topic = ProvisioningResponseTopic(status: reply.status, requestID: requestID, retryAfter: reply.retryAfter).topic
        self.io.write(context: context, .publish(Publish(topic: topic, payload: Array(reply.body.text.utf8))))
    }
}
