import NIOConcurrencyHelpers

/// One connection's counts as its ``TrafficMeter`` last published them, and the device it turned out to be.
/// Its own lock, taken alone.
final class HubConnectionLedger: Sendable {
    struct Device: Hashable, Sendable {
        var hub: String
        var deviceID: String
    }

    private struct State {
        var reading = TrafficReading()
        var device: Device?
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    let registry: HubTrafficLedger

    init(registry: HubTrafficLedger) { self.registry = registry }

    var counts: TrafficCounts { self.state.withLockedValue { $0.reading }.counts }

    func publish(_ reading: TrafficReading) {
        self.state.withLockedValue { $0.reading = reading }
    }

    /// The connection is the device's (its CONNECT was accepted): from now on its bytes count for the device, those
    /// before (the TLS handshake, the CONNECT) too. Called on the connection's event loop, as ``close()`` is.
    func attach(hub: String, deviceID: String) {
        let device = Device(hub: hub, deviceID: deviceID)
        let closed = self.state.withLockedValue { state -> Bool in
            guard state.device == nil else { return true }
            state.device = device
            return state.closed
        }
        guard !closed else { return }
        self.registry.opened(self, device: device)
    }

    /// The connection closed: its final counts go to its device's totals.
    func close() {
        let ended = self.state.withLockedValue { state -> (Device, TrafficCounts)? in
            guard !state.closed else { return nil }
            state.closed = true
            return state.device.map { ($0, state.reading.counts) }
        }
        guard let (device, counts) = ended else { return }
        self.registry.closed(self, device: device, counts: counts)
    }
}

/// The emulator's traffic ledger: per device (across its connections since the hub started), the wire bytes its
/// MQTT/TLS connections carried up and down, by category, as the hub's side of each connection counts them
/// (``TrafficMeter``). A connection's counts are in its device's totals once it closed and in its live
/// ``HubConnectionLedger`` until then; the move from one to the other is one step under this lock, so a reading never
/// counts a connection twice or not at all. Its own lock, taken alone (a connection's lock is taken after it is
/// released).
public final class HubTrafficLedger: Sendable {
    private struct Entry {
        var closed = TrafficCounts()
        var connections = 0
        var live: [ObjectIdentifier: HubConnectionLedger] = [:]
    }

    private let entries = NIOLockedValueBox<[HubConnectionLedger.Device: Entry]>([:])

    public init() {}

    func opened(_ connection: HubConnectionLedger, device: HubConnectionLedger.Device) {
        self.entries.withLockedValue { entries in
            entries[device, default: Entry()].connections += 1
            entries[device]!.live[ObjectIdentifier(connection)] = connection
        }
    }

    func closed(_ connection: HubConnectionLedger, device: HubConnectionLedger.Device, counts: TrafficCounts) {
        self.entries.withLockedValue { entries in
            guard entries[device]?.live.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
            entries[device]!.closed = entries[device]!.closed + counts
        }
    }

    /// A device's ledger; nil when it has not connected since the hub started.
    public func device(hub: String, deviceID: String) -> DeviceTraffic? {
        self.read { $0.hub == hub && $0.deviceID == deviceID }.first
    }

    /// The ledgers of a hub's devices that connected since the hub started, by device id.
    public func devices(hub: String) -> [DeviceTraffic] {
        self.read { $0.hub == hub }.sorted { $0.deviceID < $1.deviceID }
    }

    private func read(_ include: (HubConnectionLedger.Device) -> Bool) -> [DeviceTraffic] {
        // The totals and the live connections together, then each live one's counts outside this lock.
        let taken = self.entries.withLockedValue { entries in
            entries.filter { include($0.key) }.map { ($0.key, $0.value.closed, $0.value.connections, Array($0.value.live.values)) }
        }
        return taken.map { device, closed, connections, live in
            DeviceTraffic(hub: device.hub, deviceID: device.deviceID, connections: connections, counts: live.reduce(closed) { $0 + $1.counts })
        }
    }
}
