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
final class PeerChain: Sendable {
    private let box = NIOLockedValueBox<[Certificate]>([])
    var certificates: [Certificate] {
        get { self.box.withLockedValue { $0 } }
        set { self.box.withLockedValue { $0 = newValue } }
    }
}

/// One device's MQTT session with the hub ("Communicate with an IoT hub using the MQTT protocol",
/// learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub): CONNECT and authentication, keep-alive, subscriptions,
/// telemetry, twin and method topics, C2D acknowledgements (a delivery not acknowledged within the lock timeout closes
/// the connection). A protocol violation closes the connection and is logged with the device id and the reason;
/// nothing is answered with an error.
///
/// Packets are handled in the order they arrive. What needs the store or the registry (CONNECT's authentication and
/// session, SUBSCRIBE of a persistent session, a twin GET or reported-properties PATCH, a C2D completion or
/// delivery) runs on the ``BlockingExecutor``, and the packets after it wait; the rest (telemetry, method responses,
/// PING) is answered at once when nothing waits. A change that cannot be stored is refused on the wire: CONNACK 3, a
/// SUBACK failure, a twin status 500.
final class DeviceConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let core: HubCore
    let chain: PeerChain
    let io: SessionIO
    let executor: any BlockingExecutor
    var link: ConnectionLink?
    var identity: DeviceSessionIdentity?
    var subscriptions: [String] = []
    var kinds: Set<DeviceSubscription> = []
    /// `devices/{id}/messages/events/`, the device's own telemetry topic, once its CONNECT is accepted: a PUBLISH
    /// whose topic starts with it is telemetry of this device with the property bag after it, which is what
    /// `DeviceToHubTopic.parse` makes of it, so the parser is skipped on that hot path.
    private var telemetryPrefix: String?
    /// Refused, in violation or closed before its CONNECT was accepted: what follows is dropped.
    private var refused = false
    private let steps: SerialSteps
    private var framing = MQTTFraming()

    static let maximumTelemetry = 256 * 1024

    /// The connection's entry in the traffic ledger, which it is attached to the device in once its CONNECT is accepted.
    private let traffic: HubConnectionLedger?

    /// `ticker`: the event loop's shared once-a-second tick; without one the session schedules its own. `traffic`:
    /// the connection's traffic ledger entry (none: not counted).
    init(
        core: HubCore, chain: PeerChain, executor: any BlockingExecutor, logger: Logger, ticker: SessionTicker? = nil,
        traffic: HubConnectionLedger? = nil
    ) {
        self.core = core
        self.traffic = traffic
        self.chain = chain
        self.executor = executor
        let io = SessionIO(logger: logger, ticker: ticker)
        self.io = io
        self.steps = SerialSteps(
            flush: { context in io.flushIfNeeded(context: context) }, holdReads: { context, hold in io.holdReads(context: context, hold) })
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
        // The watchdog holds the handler until the channel goes inactive (`io.stop()` drops it): a weak reference would
        // give the handler a side table, and every retain and release of it on the packet path would take the slow path.
        self.io.start(context: context) { context in
            guard let identity = self.identity else { return }
            if let expiry = identity.expiresAt, Int64(self.core.credentialNow().timeIntervalSince1970) >= expiry {
                self.logger.info("SAS token expired: connection closed (401003)", metadata: ["device": "\(identity.deviceID)"])
                context.close(promise: nil)
            } else if let link = self.link, case let expired = link.unacknowledged(deliveredBefore: self.core.now() - self.core.cloudToDeviceLockTimeout), expired > 0 {
                // The lock expired (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-c2d: one minute, then
                // the message is Enqueued again). Over MQTT it cannot be sent again in this session: a server re-sends
                // an unacknowledged PUBLISH only when the client reconnects (MQTT 3.1.1 §4.4), and PUBACKs must come in
                // order (§4.6). So the hub ends the connection, as the nRF Connect SDK's guide warns it does for a
                // device that does not answer, in PSM say (doc/nrf/libraries/networking/azure_iot_hub.rst:24, v2.9.0);
                // the message stays queued with its delivery count and goes to the device's next connection.
                self.logger.info(
                    "C2D message not acknowledged within the lock timeout: connection closed",
                    metadata: ["device": "\(identity.deviceID)", "unacknowledged": "\(expired)", "lockTimeout": "\(Int(self.core.cloudToDeviceLockTimeout)) s"])
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.io.stop()
        if self.identity == nil { self.refused = true }
        if let identity, let link { self.core.unregister(link, identity: identity) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.io.errorCaught(context: context, error)
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
                return self.violation(context: context, "\(error)")
            }
            // Nothing waits (the usual case): handled now, without queueing a step, which is what `perform` would do.
            if self.steps.isIdle(context) {
                self.steps.wait(for: self.handle(packet, context: context), context: context)
            } else {
                self.perform(context) { context in self.handle(packet, context: context) }
            }
        }
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

    private func perform(_ context: ChannelHandlerContext, _ step: @escaping (ChannelHandlerContext) -> EventLoopFuture<Void>?) {
        self.steps.perform(context, step)
    }

    // MARK: Packets

    private func handle(_ packet: MQTTPacket, context: ChannelHandlerContext) -> EventLoopFuture<Void>? {
        guard let identity else {
            // After a refusal (or a close before CONNACK) nothing more is read: no second CONNECT is authenticated.
            guard !self.refused else { return nil }
            guard case .connect(let connect) = packet else {
                self.violation(context: context, "\(packet.type) before CONNECT")
                return nil
            }
            return self.connect(context: context, connect)
        }
        switch packet {
        case .connect:
            self.violation(context: context, "a second CONNECT")
        case .publish(let publish):
            return self.publish(context: context, publish, identity: identity)
        case .puback(let packetID):
            guard let link = self.link, let sequence = link.acknowledge(packetID) else { return nil }
            let core = self.core
            // Marked at once, so that no connection of the device (a new one has no claims) sends it meanwhile.
            core.beginCompletion(sequence)
            return self.executor.run(on: context.eventLoop) {
                if core.completeCloudToDevice(sequence: sequence) {
                    link.release(sequence)
                } else {
                    link.reopen(sequence)  // not stored: delivered again when its lock expires
                }
            }
        case .subscribe(let packetID, let requested):
            var filters = self.subscriptions
            var kinds = self.kinds
            var granted: [UInt8] = []
            for subscription in requested {
                do {
                    let kind = try DeviceSubscription.parse(subscription.topicFilter, deviceID: identity.deviceID)
                    if self.core.refusedSubscriptions.refuses(subscription.topicFilter) {
                        self.logger.info("subscription refused as configured", metadata: ["device": "\(identity.deviceID)", "filter": "\(subscription.topicFilter)"])
                        granted.append(0x80)
                        continue
                    }
                    kinds.insert(kind)
                    if !filters.contains(subscription.topicFilter) { filters.append(subscription.topicFilter) }
                    granted.append(min(subscription.qos.rawValue, 1))
                } catch {
                    self.violation(context: context, "SUBSCRIBE: \(error)")
                    return nil
                }
            }
            return self.saveSubscriptions(context: context, filters, kinds, identity: identity) { context, saved in
                // MQTT 3.1.1 §3.9.3: 0x80 is the SUBACK return code for a failure.
                self.write(context: context, .suback(packetID: packetID, returnCodes: saved ? granted : granted.map { _ in 0x80 }))
            }
        case .unsubscribe(let packetID, let filters):
            var remaining = self.subscriptions
            var kinds = self.kinds
            for filter in filters {
                remaining.removeAll { $0 == filter }
                if let kind = try? DeviceSubscription.parse(filter, deviceID: identity.deviceID) { kinds.remove(kind) }
            }
            return self.saveSubscriptions(context: context, remaining, kinds, identity: identity) { context, _ in
                self.write(context: context, .unsuback(packetID: packetID))
            }
        case .pingreq:
            self.write(context: context, .pingresp)
        case .disconnect:
            context.close(promise: nil)
        case .pubrel, .pubrec, .pubcomp:
            self.violation(context: context, "\(packet.type): QoS 2 is not supported")
        case .connack, .suback, .unsuback, .pingresp:
            self.violation(context: context, "\(packet.type) from a client")
        }
        return nil
    }

    private func connect(context: ChannelHandlerContext, _ connect: Connect) -> EventLoopFuture<Void>? {
        guard connect.protocolName == "MQTT", connect.protocolLevel == 4 else {
            self.logger.warning("connection refused", metadata: ["device": "\(PeerText.quoted(connect.clientID))", "reason": "protocol \(connect.protocolName) level \(connect.protocolLevel); only MQTT 3.1.1"])
            self.refuse(context, .unacceptableProtocolVersion)
            return nil
        }
        let attempt = ConnectAttempt(
            clientID: connect.clientID, username: connect.username, password: connect.password, chain: self.chain.certificates,
            peer: self.io.peer)
        let (core, cleanSession, channel, logger) = (self.core, connect.cleanSession, context.channel, self.logger)
        let keepAlive = TimeAmount.seconds(Int64(min(Int(connect.keepAlive), 1767)))
        // Authentication reads the registry, whose lock a store write may hold: it runs with the registration.
        return self.executor.run(on: context.eventLoop) { () throws -> Accepted? in
            guard case .success(let identity) = core.authenticate(attempt) else { return nil }
            try core.admitConnection(identity)  // over the SKU's connection throttle: CONNACK 3
            let link = ConnectionLink(channel: channel, logger: logger, deviceID: identity.deviceID)
            // A connection that closed meanwhile is not registered: it would stand in for the device's live one.
            guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
            return Accepted(identity: identity, link: link, stored: try core.register(link, identity: identity, cleanSession: cleanSession))
        }.assumeIsolated().flatMap { accepted -> EventLoopFuture<Void> in
            guard let accepted else {
                self.refuse(context, .notAuthorized)
                return context.eventLoop.makeSucceededVoidFuture()
            }
            let (identity, link, stored) = (accepted.identity, accepted.link, accepted.stored)
            guard context.channel.isActive else {
                core.unregister(link, identity: identity)
                return context.eventLoop.makeSucceededVoidFuture()
            }
            self.link = link
            self.identity = identity
            self.traffic?.attach(hub: identity.hub, deviceID: identity.deviceID)
            self.telemetryPrefix = "devices/\(identity.deviceID)/messages/events/"
            self.io.client = identity.deviceID
            self.io.keepAlive = keepAlive
            self.write(context: context, .connack(sessionPresent: stored != nil, returnCode: .accepted))
            guard let stored else { return context.eventLoop.makeSucceededVoidFuture() }
            // The stored session's subscriptions are taken again within this step, before any later packet (not
            // stored again: they are what is stored). A filter this hub no longer accepts was never stored.
            let kinds = Set(stored.compactMap { try? DeviceSubscription.parse($0, deviceID: identity.deviceID) })
            return self.saveSubscriptions(context: context, stored, kinds, identity: identity, persist: false) { _, _ in }
                ?? context.eventLoop.makeSucceededVoidFuture()
        }.recover { _ in
            // The session could not be read or removed (logged by the core), or the channel closed.
            self.refuse(context, .serverUnavailable)
        }.nonisolated()
    }

    private func refuse(_ context: ChannelHandlerContext, _ code: ConnectReturnCode) {
        self.refused = true
        self.io.refuse(context: context, code)
    }

    /// Stores the subscriptions (for a persistent session) on the executor; then, on the loop, `reply`s (the SUBACK),
    /// takes them (from now on the hub sends what they ask for) and delivers queued C2D when the device listens for
    /// it: the SUBACK goes out before the first message.
    private func saveSubscriptions(
        context: ChannelHandlerContext, _ filters: [String], _ kinds: Set<DeviceSubscription>, identity: DeviceSessionIdentity,
        persist: Bool = true, reply: @escaping (ChannelHandlerContext, Bool) -> Void
    ) -> EventLoopFuture<Void>? {
        guard let link = self.link else { return nil }
        let core = self.core
        return self.executor.run(on: context.eventLoop) { () -> Bool in
            do {
                if persist { try core.storeSubscriptions(filters, identity: identity, link: link) }
                return true
            } catch {
                return false
            }
        }.assumeIsolated().flatMap { saved -> EventLoopFuture<Void> in
            reply(context, saved)
            guard saved else { return context.eventLoop.makeSucceededVoidFuture() }
            self.subscriptions = filters
            self.kinds = kinds
            self.io.flushIfNeeded(context: context)
            core.takeSubscriptions(kinds, identity: identity, link: link)
            guard kinds.contains(.cloudToDevice) else { return context.eventLoop.makeSucceededVoidFuture() }
            return self.executor.run(on: context.eventLoop) { core.deliverQueued(hub: identity.hub, deviceID: identity.deviceID) }
        }.nonisolated()
    }

    private func publish(context: ChannelHandlerContext, _ publish: Publish, identity: DeviceSessionIdentity) -> EventLoopFuture<Void>? {
        if publish.qos == .exactlyOnce {
            self.violation(context: context, "PUBLISH at QoS 2")
            return nil
        }
        let topic: DeviceToHubTopic
        do {
            if let prefix = self.telemetryPrefix, Self.topic(publish.topic, startsWith: prefix) {
                let bag = Substring(publish.topic.utf8.dropFirst(prefix.utf8.count))
                topic = .telemetry(deviceID: identity.deviceID, moduleID: nil, properties: try PropertyBag.parse(bag))
            } else {
                topic = try DeviceToHubTopic.parse(publish.topic)
            }
        } catch {
            self.violation(context: context, "PUBLISH: \(error)")
            return nil
        }
        if self.core.throttles != nil, self.refuseOverLimit(context: context, publish, topic, identity: identity) { return nil }
        var pending: EventLoopFuture<Void>?
        switch topic {
        case .telemetry(let deviceID, let moduleID, let properties):
            guard deviceID == identity.deviceID, moduleID == nil else {
                self.violation(context: context, "PUBLISH to another device's topic '\(publish.topic)'")
                return nil
            }
            guard publish.payload.count <= Self.maximumTelemetry else {
                self.violation(context: context, "a \(publish.payload.count)-byte message over the 256 KB limit")
                return nil
            }
            self.core.appendEvent(hub: identity.hub, deviceID: deviceID, properties: properties, body: publish.payload, retain: publish.retain)
        case .twinGet(let requestID):
            // The registry's lock may be held by a store write: read it off the loop.
            let core = self.core
            pending = self.executor.run(on: context.eventLoop) { core.deviceTwin(identity: identity) ?? .object(JSONObject()) }
                .assumeIsolated().map { document in
                    self.write(context: context, .publish(Publish(
                        topic: HubToDeviceTopic.twinResponse(status: 200, requestID: requestID, version: nil).topic,
                        payload: Array(document.text.utf8))))
                }.nonisolated()
        case .twinReportedPatch(let requestID):
            let (core, payload) = (self.core, publish.payload)
            pending = self.executor.run(on: context.eventLoop) { core.reportProperties(identity: identity, payload: payload) }
                .assumeIsolated().map { result in
                    let body = result.message.map {
                        JSONValue.object(JSONObject([("errorCode", .integer(Int64(result.status) * 1000 + 1)), ("message", .string($0))])).text
                    } ?? ""
                    self.write(context: context, .publish(Publish(
                        topic: HubToDeviceTopic.twinResponse(status: result.status, requestID: requestID, version: result.version).topic,
                        payload: Array(body.utf8))))
                }.nonisolated()
        case .methodResponse(let status, let requestID):
            self.core.methodResponse(identity: identity, requestID: requestID, status: status, payload: publish.payload)
        }
        // The PUBACK acknowledges receipt, in the order the PUBLISHes came (MQTT 3.1.1 §4.6); a twin request's own
        // answer follows on the twin response topic once it is stored.
        if publish.qos == .atLeastOnce, let packetID = publish.packetID {
            self.io.writePubAck(context: context, packetID: packetID)
        }
        return pending
    }

    /// Whether `topic` starts with `prefix`, byte for byte: a `memcmp` of the two UTF-8 buffers (the generic
    /// `starts(with:)` over UTF-8 views took 1.3 % of the emulator's CPU under telemetry load, perf).
    static func topic(_ topic: String, startsWith prefix: String) -> Bool {
        let fast = topic.utf8.withContiguousStorageIfAvailable { text in
            prefix.utf8.withContiguousStorageIfAvailable { head in
                text.count >= head.count && (head.isEmpty || memcmp(text.baseAddress!, head.baseAddress!, head.count) == 0)
            }
        }
        return (fast ?? nil) ?? topic.utf8.starts(with: prefix.utf8)
    }

    private func write(context: ChannelHandlerContext, _ packet: MQTTPacket) {
        self.io.write(context: context, packet)
    }

    private func violation(context: ChannelHandlerContext, _ reason: String) {
        if self.identity == nil { self.refused = true }
        self.io.violation(context: context, reason)
    }
}

/// A CONNECT the hub accepted: who, on which connection, and the persistent session's subscriptions.
private struct Accepted: Sendable {
    var identity: DeviceSessionIdentity
    var link: ConnectionLink
    var stored: [String]?
}
