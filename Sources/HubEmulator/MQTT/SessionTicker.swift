import NIOCore

/// The once-a-second tick of every MQTT session on one event loop (their keep-alive watchdogs, SAS expiry and C2D
/// lock checks, ``SessionIO``): one repeated task for all of them. A repeated task per connection puts every
/// connection through the loop's scheduled-task heap once a second; at 1,000 devices that was 4-6 % of the
/// emulator's CPU under telemetry load (perf, benchmarks/hub_vs_mosquitto.py). Sessions join when they start and
/// leave when their channel goes inactive. Confined to its event loop.
final class SessionTicker {
    let eventLoop: any EventLoop
    private var sessions: [ObjectIdentifier: () -> Void] = [:]
    private var task: RepeatedTask?

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Calls `tick` once a second from now on, until ``leave(_:)``; the ticker starts with its first session.
    func join(_ session: AnyObject, tick: @escaping () -> Void) {
        self.eventLoop.preconditionInEventLoop()
        self.sessions[ObjectIdentifier(session)] = tick
        guard self.task == nil else { return }
        let bound = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.task = self.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            // Each session that is still there when its turn comes: a check may close a session, which leaves.
            let ticker = bound.value
            for session in Array(ticker.sessions.keys) { ticker.sessions[session]?() }
        }
    }

    func leave(_ session: AnyObject) {
        self.eventLoop.preconditionInEventLoop()
        self.sessions[ObjectIdentifier(session)] = nil
    }

    /// How many sessions tick here.
    var count: Int { self.sessions.count }
}

/// One ``SessionTicker`` per event loop of the MQTT listener's group, made when it starts.
struct SessionTickers: Sendable {
    private let tickers: [ObjectIdentifier: NIOLoopBound<SessionTicker>]

    init(group: any EventLoopGroup) async throws {
        var tickers: [ObjectIdentifier: NIOLoopBound<SessionTicker>] = [:]
        for loop in group.makeIterator() {
            tickers[ObjectIdentifier(loop)] = try await loop.submit { NIOLoopBound(SessionTicker(eventLoop: loop), eventLoop: loop) }.get()
        }
        self.tickers = tickers
    }

    /// The ticker of `eventLoop`, called on it; nil for a loop outside the group.
    func ticker(for eventLoop: any EventLoop) -> SessionTicker? {
        self.tickers[ObjectIdentifier(eventLoop)]?.value
    }
}
