import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOCore

/// One device's MQTT session with DPS ("Communicate with DPS using the MQTT protocol",
/// learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps): CONNECT (client id = registration id, the DPS user name,
/// a known ID scope), the `$dps/registrations/res/#` subscription, register and status requests. Every session is
/// clean. A request DPS cannot serve is answered `400` on its `$rid` when it has one; anything else that breaks the
/// protocol closes the connection, logged with the registration id and the reason. Register and status requests, which
/// read and write the store, run on the ``BlockingExecutor``, in arrival order; with a configured
/// ``ProvisioningFault`` they are answered with it instead.
final class ProvisioningConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let service: ProvisioningService
    let chain: PeerChain
    let io: SessionIO
    let executor: any BlockingExecutor
    var attempt: ProvisioningAttempt?
    /// The response subscription was refused (``SubscriptionRefusals``): nothing is published to the device.
    private var responsesRefused = false
    private var framing = MQTTFraming()
    private lazy var steps = SerialSteps(
        flush: { [io = self.io] context in io.flushIfNeeded(context: context) },
        holdReads: { [io = self.io] context, hold in io.holdReads(context: context, hold) })

    /// `ticker`: the event loop's shared once-a-second tick; without one the session schedules its own.
    init(service: ProvisioningService, chain: PeerChain, executor: any BlockingExecutor, logger: Logger, ticker: SessionTicker? = nil) {
        self.service = service
        self.chain = chain
        self.executor = executor
        self.io = SessionIO(logger: logger, ticker: ticker)
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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.io.writabilityChanged(context: context)
        self.steps.resume(context)
        context.fireChannelWritabilityChanged()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.io.flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.framing.append(self.unwrapInboundIn(data))
        self.io.lastActivity = context.eventLoop.now
        while true {
            let packet: MQTTPacket
            do {
                guard let next = try self.framing.next() else { return }
                packet = next
            } catch {
                return self.io.violation(context: context, "\(error)")
            }
            self.steps.perform(context) { context in self.handle(packet, context: context) }
        }
    }

    private func handle(_ packet: MQTTPacket, context: ChannelHandlerContext) -> EventLoopFuture<Void>? {
        guard let attempt else {
            guard case .connect(let connect) = packet else {
                self.io.violation(context: context, "\(packet.type) before CONNECT")
                return nil
            }
            return self.connect(context: context, connect)
        }
        switch packet {
        case .publish(let publish):
            return self.publish(context: context, publish, attempt: attempt)
        case .subscribe(let packetID, let requested):
            for subscription in requested where subscription.topicFilter != DeviceToProvisioningTopic.responseFilter {
                self.io.violation(context: context, "SUBSCRIBE to '\(subscription.topicFilter)'; DPS accepts only '\(DeviceToProvisioningTopic.responseFilter)'")
                return nil
            }
            let refusals = self.service.hubCore.refusedSubscriptions
            let codes = requested.map { refusals.refuses($0.topicFilter) ? 0x80 : min($0.qos.rawValue, 1) }
            if codes.contains(0x80) {
                // Not subscribed: the answers to its requests have nowhere to go.
                self.responsesRefused = true
                self.io.logger.info("DPS subscription refused as configured", metadata: ["registration": "\(attempt.registrationID)"])
            }
            self.io.write(context: context, .suback(packetID: packetID, returnCodes: codes))
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
        return nil
    }

    private func connect(context: ChannelHandlerContext, _ connect: Connect) -> EventLoopFuture<Void>? {
        func refuse(_ code: ConnectReturnCode, _ reason: String) {
            self.io.logger.warning("DPS connection refused", metadata: ["registration": "\(PeerText.quoted(connect.clientID))", "peer": "\(self.io.peer)", "reason": "\(reason)"])
            self.io.refuse(context: context, code)
        }
        guard connect.protocolName == "MQTT", connect.protocolLevel == 4 else {
            refuse(.unacceptableProtocolVersion, "protocol \(connect.protocolName) level \(connect.protocolLevel); only MQTT 3.1.1")
            return nil
        }
        let username: ProvisioningUsername
        do {
            username = try ProvisioningUsername.parse(connect.username ?? "")
        } catch {
            refuse(.notAuthorized, PeerText.quoted("\(error)"))
            return nil
        }
        guard username.registrationID == connect.clientID else {
            refuse(.notAuthorized, "client id '\(PeerText.quoted(connect.clientID))' differs from the user name's registration id '\(PeerText.quoted(username.registrationID))'")
            return nil
        }
        guard ProvisioningService.validRegistrationID(username.registrationID) else {
            refuse(.notAuthorized, "'\(PeerText.quoted(username.registrationID))' is not a valid registration id")
            return nil
        }
        // The instances are read under DPS's lock, which a store write may hold: off the loop.
        let service = self.service
        return self.executor.run(on: context.eventLoop) { service.instanceName(forScope: username.idScope) }
            .assumeIsolated().map { dps in
                guard let dps else { return refuse(.notAuthorized, "no DPS instance has ID scope '\(PeerText.quoted(username.idScope))'") }
                self.attempt = ProvisioningAttempt(
                    dps: dps, registrationID: username.registrationID, password: connect.password, chain: self.chain.certificates,
                    peer: self.io.peer)
                self.io.client = username.registrationID
                self.io.keepAlive = .seconds(Int64(min(Int(connect.keepAlive), 1767)))
                self.io.logger.info("DPS device connected", metadata: [
                    "dps": "\(dps)", "registration": "\(username.registrationID)", "api-version": "\(username.apiVersion ?? "-")",
                ])
                self.io.write(context: context, .connack(sessionPresent: false, returnCode: .accepted))
            }.nonisolated()
    }

    private func publish(context: ChannelHandlerContext, _ publish: Publish, attempt: ProvisioningAttempt) -> EventLoopFuture<Void>? {
        if publish.qos == .exactlyOnce {
            self.io.violation(context: context, "PUBLISH at QoS 2")
            return nil
        }
        let request: DeviceToProvisioningTopic
        do {
            request = try DeviceToProvisioningTopic.parse(publish.topic)
        } catch {
            guard let rid = error.requestID else {
                self.io.violation(context: context, "PUBLISH: \(error)")
                return nil
            }
            self.io.logger.warning("DPS request refused", metadata: ["registration": "\(attempt.registrationID)", "reason": "\(error)"])
            self.acknowledge(context, publish)
            self.respond(context, self.service.errorReply(400, 400004, "Bad request: \(error)"), requestID: rid)
            return nil
        }
        if let fault = self.service.fault {
            self.fail(context, publish, request, attempt: attempt, fault)
            return nil
        }
        if let throttled = self.service.throttles?.admit(request, dps: attempt.dps, registrationID: attempt.registrationID) {
            var reply = self.service.errorReply(429, 429001, "Operation throttled: over DPS's rate of \(throttled.limit)")
            reply.retryAfter = throttled.retryAfter
            self.io.logger.info("DPS request throttled", metadata: [
                "registration": "\(attempt.registrationID)", "limit": "\(throttled.limit)", "retry-after": "\(throttled.retryAfter)",
            ])
            self.acknowledge(context, publish)
            self.respond(context, reply, requestID: request.requestID)
            return nil
        }
        // The PUBACK acknowledges receipt at once; the answer follows once the store has it.
        self.acknowledge(context, publish)
        let (service, payload) = (self.service, publish.payload)
        return self.executor.run(on: context.eventLoop) { () -> (ProvisioningReply, String) in
            switch request {
            case .register(let rid): return (service.register(attempt, body: payload), rid)
            case .operationStatus(let rid, let operationID): return (service.operationStatus(attempt, operationID: operationID), rid)
            }
        }.assumeIsolated().map { reply, requestID in
            self.respond(context, reply, requestID: requestID)
        }.nonisolated()
    }

    /// Serves a request with the configured ``ProvisioningFault`` instead of DPS's answer.
    private func fail(
        _ context: ChannelHandlerContext, _ publish: Publish, _ request: DeviceToProvisioningTopic, attempt: ProvisioningAttempt,
        _ fault: ProvisioningFault
    ) {
        switch fault {
        case .drop:
            self.io.logger.warning("DPS connection dropped at a request, as configured", metadata: [
                "registration": "\(attempt.registrationID)", "topic": "\(PeerText.quoted(publish.topic))",
            ])
            context.close(promise: nil)
        case .reply(let status):
            var reply = self.service.errorReply(status, fault.errorCode, "Failed as configured (nrfsim hub --dps-fault \(fault))")
            if status == 429 { reply.retryAfter = max(1, self.service.retryAfter) }
            self.io.logger.warning("DPS request answered with a fault, as configured", metadata: [
                "registration": "\(attempt.registrationID)", "status": "\(status)",
            ])
            self.acknowledge(context, publish)
            self.respond(context, reply, requestID: request.requestID)
        }
    }

    private func acknowledge(_ context: ChannelHandlerContext, _ publish: Publish) {
        if publish.qos == .atLeastOnce, let packetID = publish.packetID {
            self.io.writePubAck(context: context, packetID: packetID)
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ reply: ProvisioningReply, requestID: String) {
        guard !self.responsesRefused else { return }
        let topic = ProvisioningResponseTopic(status: reply.status, requestID: requestID, retryAfter: reply.retryAfter).topic
        self.io.write(context: context, .publish(Publish(topic: topic, payload: Array(reply.body.text.utf8))))
    }
}
