import NIOConcurrencyHelpers
import NIOCore

/// Direct method calls waiting (up to their `connectTimeoutInSeconds`) for an offline device to connect and
/// subscribe to methods, by hub and device id. Its own lock, taken alone: the waiters are completed after it is let go.
final class MethodArrivals: Sendable {
    private struct Key: Hashable {
        var hub: String
        var deviceID: String
    }

    private struct State {
        var counter = 0
        var waiting: [Key: [Int: EventLoopPromise<Void>]] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Registers `promise`, completed when the device subscribes to methods; returns its token for ``cancel``.
    func wait(hub: String, deviceID: String, promise: EventLoopPromise<Void>) -> Int {
        self.state.withLockedValue { state in
            state.counter += 1
            state.waiting[Key(hub: hub, deviceID: deviceID), default: [:]][state.counter] = promise
            return state.counter
        }
    }

    /// The waiter `token`, removed, if it still waits.
    func cancel(hub: String, deviceID: String, token: Int) -> EventLoopPromise<Void>? {
        self.state.withLockedValue { state in
            let key = Key(hub: hub, deviceID: deviceID)
            defer { if state.waiting[key]?.isEmpty == true { state.waiting[key] = nil } }
            return state.waiting[key]?.removeValue(forKey: token)
        }
    }

    /// The device subscribed to methods: every call waiting for it goes ahead.
    func arrived(hub: String, deviceID: String) {
        let waiting = self.state.withLockedValue { $0.waiting.removeValue(forKey: Key(hub: hub, deviceID: deviceID)) }
        for promise in waiting?.values ?? [:].values { promise.succeed() }
    }
}
