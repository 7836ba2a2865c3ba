import Foundation
import IoTHubTopics
import NIOConcurrencyHelpers

/// DPS's rate limits on its devices ("Azure IoT Hub Device Provisioning Service quotas and limits",
/// learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits): device registrations a minute per service
/// instance (1,000 by default, adjustable; `nrfsim hub --dps-registrations-per-minute`), and a device's polling of its
/// operation, 5 every 10 seconds. A request over either is answered 429 with `retry-after`, the seconds until it
/// would be admitted. Timed by DPS's injectable clock; its own lock, taken alone.
public final class ProvisioningThrottles: Sendable {
    public static let documentedRegistrationsPerMinute = 1000
    static let pollsPerTenSeconds = 5
    /// Past this many devices' poll buckets, the full ones (idle for 10 seconds) are dropped: a registration id
    /// costs its bucket only while it polls.
    static let pollBucketsKept = 10_000

    public let registrationsPerMinute: Int
    private let now: @Sendable () -> Date

    private struct State {
        var registrations: [String: TokenBucket] = [:]
        var polls: [String: TokenBucket] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// - Throws: ``ProvisioningThrottlesError`` for a rate below 1.
    public init(registrationsPerMinute: Int, now: @escaping @Sendable () -> Date) throws(ProvisioningThrottlesError) {
        guard registrationsPerMinute >= 1 else { throw .badRate(registrationsPerMinute) }
        self.registrationsPerMinute = registrationsPerMinute
        self.now = now
    }

    /// The request a device of `dps` sends, admitted. - Returns: nil when admitted; else the whole seconds (at
    /// least 1) to wait, and which limit it is over.
    func admit(_ request: DeviceToProvisioningTopic, dps: String, registrationID: String) -> (retryAfter: Int, limit: String)? {
        let now = self.now()
        let wait: TimeInterval? = self.state.withLockedValue { state in
            switch request {
            case .register:
                let rate = Double(self.registrationsPerMinute) / 60
                var bucket = state.registrations[dps.lowercased()] ?? TokenBucket(rate: rate, capacity: max(1, rate))
                defer { state.registrations[dps.lowercased()] = bucket }
                return bucket.take(1, at: now)
            case .operationStatus:
                if state.polls.count >= Self.pollBucketsKept { state.polls = state.polls.filter { !$0.value.isFull(at: now) } }
                let key = "\(dps.lowercased())/\(registrationID.lowercased())"
                var bucket = state.polls[key] ?? TokenBucket(rate: Double(Self.pollsPerTenSeconds) / 10, capacity: Double(Self.pollsPerTenSeconds))
                defer { state.polls[key] = bucket }
                return bucket.take(1, at: now)
            }
        }
        guard let wait else { return nil }
        let limit: String
        switch request {
        case .register: limit = "\(self.registrationsPerMinute) device registrations/min"
        case .operationStatus: limit = "\(Self.pollsPerTenSeconds) operation polls/10 sec for a device"
        }
        // Whole seconds, up (less a nanosecond of rounding error: 1 / (1 / 60) is not always 60).
        return (max(1, Int((wait - 1e-9).rounded(.up))), limit)
    }
}

/// A `--dps-registrations-per-minute` value below 1.
public enum ProvisioningThrottlesError: Error, Equatable, CustomStringConvertible {
    case badRate(Int)

    public var description: String {
        switch self {
        case .badRate(let rate): "--dps-registrations-per-minute \(rate): must be at least 1 (DPS's default is 1000)"
        }
    }
}
