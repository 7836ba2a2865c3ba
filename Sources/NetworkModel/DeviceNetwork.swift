import NIOCore
import NIOPosix
import SimCore
import Synchronization
import TrafficLedger

/// One device's simulated network: a TCP relay on loopback per cloud endpoint it dials, the conditions that shape
/// them, and the byte counts of every connection.
///
/// The device's resolver asks ``relayAddress(for:port:)`` for where to connect; libmosquitto and the download client
/// then use ordinary OS sockets to the relay, which forwards to the real endpoint.
public final class DeviceNetwork: Sendable {
    let group: any EventLoopGroup
    let radio: any RadioGate
    /// The network's time: the ledger's too.
    public let clock: any SimClock
    let random: @Sendable () -> Double
    /// How the ledger models the IP and TCP headers (the segment size each chunk is cut at).
    public let ipModel: IPOverheadModel
    private let shared: Mutex<Shared>

    private struct Shared {
        var conditions: LinkConditions
        var listeners: [String: (channel: any Channel, port: Int)] = [:]
        var flows: [Int: RelayFlow] = [:]
        var ended: [RelayFlow] = []
        var nextFlowID = 1
        var closed = false
    }

    /// - Parameters:
    ///   - random: uniform in 0..<1, for jitter and loss (inject a seeded one for reproducible runs).
    public init(
        conditions: LinkConditions = LinkConditions(), radio: any RadioGate = AlwaysOnRadio(), clock: any SimClock = HostClock(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        ipModel: IPOverheadModel = IPOverheadModel()
    ) {
        self.ipModel = ipModel
        self.group = group
        self.radio = radio
        self.clock = clock
        self.random = random
        self.shared = Mutex(Shared(conditions: conditions))
    }

    /// The real wait of a simulated delay (latency, jitter, serialization at the link's rate): `delay / scale`
    /// at the clock's ``SimCore/TimeScale``.
    func realDelay(_ delay: Duration) -> Duration { self.clock.scale.real(delay) }

    /// The conditions now.
    public var conditions: LinkConditions { self.shared.withLock { $0.conditions } }

    /// Changes the conditions; bytes held for coverage pass when it returns. `change` runs under the network's lock:
    /// it only edits the value.
    /// The radio hears of a coverage change first (its registration follows, as the modem's would).
    public func update(_ change: (inout LinkConditions) -> Void) {
        let (coverage, flows) = self.shared.withLock { shared -> (Bool?, [RelayFlow]) in
            let before = shared.conditions.inCoverage
            change(&shared.conditions)
            return (before == shared.conditions.inCoverage ? nil : shared.conditions.inCoverage, Array(shared.flows.values))
        }
        guard let coverage else { return }
        self.radio.coverageChanged(coverage)
        guard coverage else { return }
        for flow in flows.sorted(by: { $0.id < $1.id }) { flow.coverageReturned() }
    }

    /// Applies one scenario change: to the conditions, or to the radio's network.
    public func apply(_ change: Scenario.Change) {
        if case .radio(let radioChange) = change {
            self.radio.networkChanged(radioChange)
        } else {
            self.update { change.apply(to: &$0) }
        }
    }

    /// Every connection so far, in order: open ones and ended ones.
    public var flows: [FlowCounts] {
        self.shared.withLock { shared in (shared.ended + shared.flows.values).map(\.counts).sorted { $0.id < $1.id } }
    }

    /// Every connection's entry in the device's ledger, in order.
    public var connectionLedgers: [ConnectionLedger] { self.flows.map { $0.ledger(model: self.ipModel) } }

    /// Attributes an MQTT packet the device's library reported to the latest connection to one of `ports` (the
    /// MQTT helper's; one MQTT connection runs at a time). Dropped when there is none.
    public func record(_ event: MosquittoLogEvent, ports: Set<Int>) {
        let flow = self.shared.withLock { shared -> RelayFlow? in
            let open = shared.flows.values.filter { ports.contains($0.target.port) }.max { $0.id < $1.id }
            return open ?? shared.ended.last { ports.contains($0.target.port) }
        }
        flow?.record(event)
    }

    /// The loopback address and port of the relay to `host`:`port`, started on first use; nil while DNS fails.
    ///
    /// Blocks the calling thread while a new relay binds: call it from the device's threads (where `getaddrinfo()`
    /// blocks too), never from an event loop.
    public func relayAddress(for host: String, port: Int) throws(NetworkModelError) -> (address: String, port: Int)? {
        let key = "\(host):\(port)"
        let existing = self.shared.withLock { shared -> Int?? in
            guard shared.conditions.dnsAvailable else { return .some(nil) }
            return shared.listeners[key].map { .some($0.port) }
        }
        if let existing { return existing.map { ("127.0.0.1", $0) } }
        let listener: any Channel
        do {
            listener = try ServerBootstrap(group: self.group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let flow = self.accepted(channel, target: (host, port))
                        try channel.pipeline.syncOperations.addHandler(DeviceSideHandler(flow: flow))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            throw .relayBindFailed("\(error)")
        }
        guard let bound = listener.localAddress?.port else {
            listener.close(promise: nil)
            throw .relayBindFailed("no local port")
        }
        let winner = self.shared.withLock { shared -> Int? in
            if let other = shared.listeners[key] { return other.port }
            if shared.closed { return nil }
            shared.listeners[key] = (listener, bound)
            return bound
        }
        if winner != bound { listener.close(promise: nil) }
        guard let winner else { throw .closed }
        return ("127.0.0.1", winner)
    }

    private func accepted(_ channel: any Channel, target: (host: String, port: Int)) -> RelayFlow {
        self.shared.withLock { shared in
            let flow = RelayFlow(id: shared.nextFlowID, target: target, device: channel, network: self, now: self.clock.now)
            shared.nextFlowID += 1
            shared.flows[flow.id] = flow
            return flow
        }
    }

    func flowEnded(_ flow: RelayFlow) {
        self.shared.withLock { shared in
            guard shared.flows.removeValue(forKey: flow.id) != nil else { return }
            shared.ended.append(flow)
        }
    }

    /// Stops every relay and its connections.
    public func close() async {
        let (listeners, flows) = self.shared.withLock { shared in
            shared.closed = true
            return (shared.listeners.values.map(\.channel), Array(shared.flows.values))
        }
        for listener in listeners { try? await listener.close() }
        for flow in flows { try? await flow.device.close() }
    }
}

/// The network model cannot do what it was asked.
public enum NetworkModelError: Error, Equatable, CustomStringConvertible {
    case relayBindFailed(String)
    case closed

    public var description: String {
        switch self {
        case .relayBindFailed(let reason): return "the network relay cannot listen on 127.0.0.1: \(reason)"
        case .closed: return "the network relay is closed"
        }
    }
}
