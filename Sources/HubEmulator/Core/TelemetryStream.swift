import Foundation
import IoTHubTopics
import NIOCore
import NIOConcurrencyHelpers

/// The telemetry the hub has received, as `az iot hub monitor-events` and the admin API's event stream read it:
/// bounded by count and by bytes (the oldest events go first), in arrival order, with waiters for the next event. Its own lock, so that telemetry never waits for the
/// registry (whose writes go to disk).
///
/// A ring buffer, trimmed one event at a time as new ones come: the bound is exact and costs each append the same.
/// (An array trimmed by a tenth of its 100,000 events moved the other 90,000 and freed 10,000 under the lock, which
/// every event loop's telemetry waits for, once every 10,000 messages.)
final class TelemetryStream: Sendable {
    private struct State {
        var events = CircularBuffer<TelemetryEvent>(initialCapacity: 1024)
        /// What `events` hold, by ``TelemetryStream/cost(of:)``.
        var bytes = 0
        var sequence = 0
        var waiters: [EventLoopPromise<Void>] = []
    }

    private let state = NIOLockedValueBox(State())
    let capacity: Int
    let maximumBytes: Int

    init(capacity: Int, maximumBytes: Int) {
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    /// An event's share of the bound: its body, its properties, and a fixed allowance for the rest.
    static func cost(of event: TelemetryEvent) -> Int {
        func size(_ bag: [(String, String?)]) -> Int { bag.reduce(0) { $0 + $1.0.utf8.count + ($1.1?.utf8.count ?? 0) } }
        return event.body.count + size(event.systemProperties) + size(event.applicationProperties) + event.deviceID.utf8.count + 128
    }

    func append(hub: String, deviceID: String, enqueuedAt: Date, properties: PropertyBag, body: [UInt8], retain: Bool) {
        // The event is made before the lock is taken (every event loop appends here), and a message without
        // properties (the usual telemetry) skips splitting its bag.
        let system = properties.pairs.isEmpty ? [] : properties.systemProperties
        var application = properties.pairs.isEmpty ? [] : properties.applicationProperties
        if retain { application.append(("mqtt-retain", "true")) }
        var event = TelemetryEvent(
            sequence: 0, hub: hub, deviceID: deviceID, enqueuedAt: enqueuedAt, systemProperties: system,
            applicationProperties: application, body: body)
        let cost = Self.cost(of: event)
        let waiters = self.state.withLockedValue { state -> [EventLoopPromise<Void>] in
            state.sequence += 1
            event.sequence = state.sequence
            state.events.append(event)
            state.bytes += cost
            // The newest event stays, whatever its size.
            while state.events.count > 1 && (state.events.count > self.capacity || state.bytes > self.maximumBytes) {
                state.bytes -= Self.cost(of: state.events.removeFirst())
            }
            guard !state.waiters.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.succeed(()) }
    }

    /// Events after `sequence` for a hub; when there are none, waits up to `timeout` on `eventLoop`.
    func events(hub: String, after sequence: Int, timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<[TelemetryEvent]> {
        let (ready, promise) = self.state.withLockedValue { state -> ([TelemetryEvent], EventLoopPromise<Void>?) in
            let found = Self.events(in: state.events, hub: hub, after: sequence)
            if !found.isEmpty || timeout == .zero { return (found, nil) }
            let promise = eventLoop.makePromise(of: Void.self)
            state.waiters.append(promise)
            return ([], promise)
        }
        guard let promise else { return eventLoop.makeSucceededFuture(ready) }
        let timer = eventLoop.scheduleTask(in: timeout) { promise.succeed(()) }
        return promise.futureResult.map { _ in
            timer.cancel()
            return self.state.withLockedValue { Self.events(in: $0.events, hub: hub, after: sequence) }
        }
    }

    var latestSequence: Int { self.state.withLockedValue { $0.sequence } }

    private static func events(in events: CircularBuffer<TelemetryEvent>, hub: String, after sequence: Int) -> [TelemetryEvent] {
        // Sequences are dense and ascending: start at the first one after `sequence`.
        let first = events.first?.sequence ?? 0
        let start = events.index(events.startIndex, offsetBy: max(0, min(events.count, sequence - first + 1)))
        return events[start...].filter { $0.hub == hub }
    }
}
