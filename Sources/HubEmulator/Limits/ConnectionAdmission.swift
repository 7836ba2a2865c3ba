import Logging
import NIOCore
import NIOConcurrencyHelpers

/// Counts the open connections of both listeners, in all and by peer address, against ``Limits``. Its own lock,
/// taken alone.
final class ConnectionAdmission: Sendable {
    /// What a new connection gets.
    enum Decision: Equatable {
        /// Served; ``release(_:)`` its peer when it closes.
        case admitted
        /// Answered with a refusal, then closed; ``release(_:)`` it when it closes.
        case refused(reason: String)
        /// Too many refusals in flight: closed at once, counted nowhere.
        case dropped
    }

    private struct State {
        var total = 0
        var byPeer: [String: Int] = [:]
        var refusing = 0
        /// Connections refused or dropped since the start.
        var refused = 0
    }

    private let limits: Limits
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(limits: Limits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    /// Admits a connection from `peer` (an IP address), or says how it is refused. Refusals are logged the first
    /// time and then once per hundred, with the running count, so that a flood does not flood the log.
    func admit(peer: String) -> Decision {
        let (decision, logCount): (Decision, Int?) = self.state.withLockedValue { state in
            let fromPeer = state.byPeer[peer, default: 0]
            let reason: String
            if state.total >= self.limits.maximumConnections {
                reason = "the emulator has \(state.total) connections open (--max-connections \(self.limits.maximumConnections))"
            } else if fromPeer >= self.limits.maximumConnectionsPerPeer {
                reason = "\(peer) has \(fromPeer) connections open (--max-connections-per-peer \(self.limits.maximumConnectionsPerPeer))"
            } else {
                state.total += 1
                state.byPeer[peer] = fromPeer + 1
                return (.admitted, nil)
            }
            state.refused += 1
            let count = state.refused == 1 || state.refused % 100 == 0 ? state.refused : nil
            guard state.refusing < self.limits.maximumRefusalsInFlight else { return (.dropped, count) }
            state.refusing += 1
            return (.refused(reason: reason), count)
        }
        if let logCount {
            let reason: String
            if case .refused(let text) = decision { reason = text } else { reason = "too many refusals in flight" }
            self.logger.warning("connections refused", metadata: ["peer": "\(peer)", "count": "\(logCount)", "reason": "\(reason)"])
        }
        return decision
    }

    /// Admits a listener's new `channel`, releasing its place when it closes. - Returns: nil when the connection is
    /// to be closed without an answer (``Decision/dropped``); the decision otherwise.
    func admit(_ channel: any Channel) -> Decision? {
        let peer = channel.remoteAddress?.ipAddress ?? "?"
        let decision = self.admit(peer: peer)
        if decision == .dropped { return nil }
        channel.closeFuture.whenComplete { _ in self.release(decision, peer: peer) }
        return decision
    }

    /// A connection that `admit` let in or refused has closed.
    func release(_ decision: Decision, peer: String) {
        self.state.withLockedValue { state in
            switch decision {
            case .admitted:
                state.total -= 1
                let left = state.byPeer[peer, default: 1] - 1
                state.byPeer[peer] = left > 0 ? left : nil
            case .refused:
                state.refusing -= 1
            case .dropped:
                break
            }
        }
    }

    /// Open admitted connections, in all and from `peer`.
    func count(peer: String? = nil) -> Int {
        self.state.withLockedValue { state in peer.map { state.byPeer[$0, default: 0] } ?? state.total }
    }
}
