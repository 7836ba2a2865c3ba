#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import SimCore
import Synchronization
import TrafficLedger

/// One device connection through the relay and its cloud-side twin: both directions shaped by the device's
/// ``LinkConditions``, downlink through its ``RadioGate``, and the carrier NAT's idle timer.
final class RelayFlow: Sendable {
    let id: Int
    let target: (host: String, port: Int)
    let device: any Channel
    private let network: DeviceNetwork
    private let state: Mutex<State>

    private struct State {
        var upstream: (any Channel)?
        var connecting = false
        var uplink = LinkShaper()
        var downlink = LinkShaper()
        var lastActivity: Duration
        /// Bytes waiting for coverage (or for the cloud connection): in order.
        var heldUp: [ByteBuffer] = []
        var heldDown: [ByteBuffer] = []
        var counts: FlowCounts
        var upWire: WireCounter
        var downWire: WireCounter
        /// The NAT forgot the flow: nothing passes, and the device's next bytes get a reset.
        var forgotten = false
    }

    init(id: Int, target: (host: String, port: Int), device: any Channel, network: DeviceNetwork, now: Duration) {
        self.id = id
        self.target = target
        self.device = device
        self.network = network
        let segment = network.ipModel.maximumSegmentSize
        self.state = Mutex(
            State(
                lastActivity: now, counts: FlowCounts(id: id, target: "\(target.host):\(target.port)", uplinkBytes: 0, downlinkBytes: 0, heldBytes: 0, ended: nil),
                upWire: WireCounter(maximumSegmentSize: segment), downWire: WireCounter(maximumSegmentSize: segment)))
    }

    var counts: FlowCounts {
        self.state.withLock { state in
            var counts = state.counts
            counts.heldBytes = (state.heldUp + state.heldDown).reduce(0) { $0 + $1.readableBytes }
            counts.upWire = state.upWire.tally
            counts.downWire = state.downWire.tally
            return counts
        }
    }

    /// An MQTT packet the device's library reported on this connection.
    func record(_ event: MosquittoLogEvent) {
        self.state.withLock { state in
            switch event.direction {
            case .sent: state.counts.upMQTT.record(event)
            case .received: state.counts.downMQTT.record(event)
            }
        }
    }

    /// Dials the cloud unless there is no coverage (then ``coverageChanged(_:)`` does, when it returns).
    func start() {
        guard self.network.conditions.inCoverage else { return }
        self.connectUpstream()
    }

    private func connectUpstream() {
        let begin = self.state.withLock { state -> Bool in
            guard state.upstream == nil, !state.connecting, state.counts.ended == nil else { return false }
            state.connecting = true
            return true
        }
        guard begin else { return }
        ClientBootstrap(group: self.device.eventLoop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CloudSideHandler(flow: self)) }
            }
            .connect(host: self.target.host, port: self.target.port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    let held = self.state.withLock { state -> [ByteBuffer] in
                        state.connecting = false
                        state.upstream = channel
                        defer { state.heldUp = [] }
                        return state.heldUp
                    }
                    for bytes in held { self.fromDevice(bytes) }
                case .failure:
                    self.end(.upstreamFailed)
                    Self.reset(self.device)
                }
            }
    }

    /// Device → cloud bytes.
    func fromDevice(_ bytes: ByteBuffer) {
        let now = self.network.clock.now
        let conditions = self.network.conditions
        enum Action { case none, reset, send(any Channel, Duration) }
        let action = self.state.withLock { state -> Action in
            guard state.counts.ended == nil else { return .none }
            if state.forgotten || Self.expired(state, now: now, conditions: conditions) {
                state.counts.ended = .natExpired
                return .reset
            }
            guard conditions.inCoverage, let upstream = state.upstream else {
                state.heldUp.append(bytes)
                return .none
            }
            state.lastActivity = now
            state.counts.uplinkBytes += bytes.readableBytes
            state.upWire.count(bytes.readableBytesView)
            let arrival = state.uplink.arrival(
                of: bytes.readableBytes, at: now, rateKbps: conditions.uplinkKbps, conditions: conditions, random: self.network.random)
            return .send(upstream, arrival - now)
        }
        switch action {
        case .none: break
        case .reset:
            // What the device learns at its next send: the NAT answers with nothing, the server's stack with RST.
            Self.reset(self.device)
            self.state.withLock { $0.upstream }?.close(promise: nil)
            self.network.flowEnded(self)
        case .send(let upstream, let delay):
            self.network.radio.uplink()
            upstream.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(self.network.realDelay(delay)))) {
                upstream.writeAndFlush(bytes, promise: nil)
            }
        }
    }

    /// Cloud → device bytes.
    func fromCloud(_ bytes: ByteBuffer) {
        let now = self.network.clock.now
        let conditions = self.network.conditions
        let delay = self.state.withLock { state -> Duration? in
            guard state.counts.ended == nil, !state.forgotten else { return nil }
            if Self.expired(state, now: now, conditions: conditions) {
                // The NAT has no mapping: the packet is dropped, the device is not told.
                state.forgotten = true
                return nil
            }
            guard conditions.inCoverage else {
                state.heldDown.append(bytes)
                return nil
            }
            state.lastActivity = now
            let arrival = state.downlink.arrival(
                of: bytes.readableBytes, at: now, rateKbps: conditions.downlinkKbps, conditions: conditions, random: self.network.random)
            return arrival - now
        }
        guard let delay else { return }
        let device = self.device
        let count = bytes.readableBytes
        device.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(self.network.realDelay(delay)))) { [self] in
            let bearer = self.network.radio.downlink(byteCount: count) { [self] in
                self.state.withLock { state in
                    state.counts.downlinkBytes += count
                    state.downWire.count(bytes.readableBytesView)
                }
                device.writeAndFlush(bytes, promise: nil)
            }
            guard !bearer else { return }
            // The stream has lost bytes: it cannot go on. The modem closes its sockets with the bearer; so does this.
            self.end(.bearerLost)
            Self.reset(device)
            self.state.withLock { $0.upstream }?.close(promise: nil)
        }
    }

    /// Coverage came back: held bytes pass (and a connection attempt made meanwhile proceeds).
    func coverageReturned() {
        let (up, down, connected) = self.state.withLock { state -> ([ByteBuffer], [ByteBuffer], Bool) in
            let connected = state.upstream != nil
            let up = connected ? state.heldUp : []
            let down = state.heldDown
            if connected { state.heldUp = [] }
            state.heldDown = []
            return (up, down, connected)
        }
        if !connected { self.connectUpstream() }
        for bytes in up { self.fromDevice(bytes) }
        for bytes in down { self.fromCloud(bytes) }
    }

    /// The device closed its end: the cloud's closes after what is in flight.
    func deviceClosed() {
        let (upstream, after) = self.state.withLock { state in (state.upstream, state.uplink.lastArrival) }
        self.end(.closed)
        guard let upstream else { return }
        let delay = max(.zero, after - self.network.clock.now)
        upstream.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(self.network.realDelay(delay)))) { upstream.close(promise: nil) }
    }

    /// The cloud closed its end: the device's closes after what is in flight, unless the NAT forgot the flow (then the
    /// device is not told). The FIN is downlink like the bytes before it: a device in PSM gets it when it wakes.
    func cloudClosed() {
        let (forgotten, after) = self.state.withLock { state in (state.forgotten || state.counts.ended == .natExpired, state.downlink.lastArrival) }
        guard !forgotten else { return }
        self.end(.closed)
        let device = self.device
        let delay = max(.zero, after - self.network.clock.now)
        device.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(self.network.realDelay(delay)))) { [self] in
            let bearer = self.network.radio.downlink(byteCount: 0) { device.close(promise: nil) }
            if !bearer { Self.reset(device) }
        }
    }

    private func end(_ reason: FlowEnd) {
        let first = self.state.withLock { state -> Bool in
            guard state.counts.ended == nil else { return false }
            state.counts.ended = reason
            return true
        }
        if first { self.network.flowEnded(self) }
    }

    private static func expired(_ state: State, now: Duration, conditions: LinkConditions) -> Bool {
        guard let timeout = conditions.natIdleTimeout else { return false }
        return now - state.lastActivity > timeout
    }

    /// Closes with SO_LINGER 0: the peer's stack gets RST, its next read or write ECONNRESET.
    static func reset(_ channel: any Channel) {
        guard let options = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// The device's side of a relayed connection.
final class DeviceSideHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let flow: RelayFlow

    init(flow: RelayFlow) { self.flow = flow }

    func channelActive(context: ChannelHandlerContext) {
        self.flow.start()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.flow.fromDevice(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.flow.deviceClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// The cloud's side of a relayed connection.
final class CloudSideHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let flow: RelayFlow

    init(flow: RelayFlow) { self.flow = flow }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.flow.fromCloud(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.flow.cloudClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
