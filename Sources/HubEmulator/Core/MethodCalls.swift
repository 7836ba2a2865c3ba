import JSON
import NIOCore
import NIOConcurrencyHelpers

/// Direct method calls waiting for the device's answer, by hub, device and request id. Its own lock, taken alone.
final class MethodCalls: Sendable {
    private struct State {
        var counter = 0
        var pending: [String: EventLoopPromise<(Int, JSONValue)>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Registers a call; returns its request id (`$rid`).
    func begin(hub: String, deviceID: String, promise: EventLoopPromise<(Int, JSONValue)>) -> String {
        self.state.withLockedValue { state in
            state.counter += 1
            let requestID = String(state.counter, radix: 16)
            state.pending[Self.key(hub, deviceID, requestID)] = promise
            return requestID
        }
    }

    /// The call a response (or the timeout) ends, if it is still waiting.
    func finish(hub: String, deviceID: String, requestID: String) -> EventLoopPromise<(Int, JSONValue)>? {
        self.state.withLockedValue { $0.pending.removeValue(forKey: Self.key(hub, deviceID, requestID)) }
    }

    private static func key(_ hub: String, _ deviceID: String, _ requestID: String) -> String { "\(hub)/\(deviceID)/\(requestID)" }
}
