import Foundation
import NIOConcurrencyHelpers

/// An operation that IoT Hub throttles and meters, with what it carries (the size its quota charge and, for
/// methods, its throttle are counted in).
public enum ThrottledOperation: Sendable, Equatable {
    /// A new device connection (the rate of CONNECTs, not the number of connections open).
    case connection
    case deviceToCloud(bytes: Int)
    case cloudToDevice(bytes: Int)
    case twinRead(bytes: Int)
    case twinUpdate(bytes: Int)
    case method(bytes: Int)
    /// An identity registry operation: create, retrieve, list, update, delete.
    case registry

    public enum Kind: String, Sendable, CaseIterable {
        case connection = "new device connections", deviceToCloud = "device-to-cloud sends"
        case cloudToDevice = "cloud-to-device sends", twinRead = "twin reads", twinUpdate = "twin updates"
        case method = "direct methods", registry = "identity registry operations"
    }

    public var kind: Kind {
        switch self {
        case .connection: .connection
        case .deviceToCloud: .deviceToCloud
        case .cloudToDevice: .cloudToDevice
        case .twinRead: .twinRead
        case .twinUpdate: .twinUpdate
        case .method: .method
        case .registry: .registry
        }
    }

    /// What the operation takes from its throttle: one, or a method's 8 KB meters.
    func throttleCost() -> Double {
        guard case .method(let bytes) = self else { return 1 }
        return Double(chunks(bytes, HubSKU.methodThrottleBytes))
    }

    /// Messages the daily quota is charged ("Understand IoT Hub pricing"): sends and method requests per metering
    /// chunk, twin operations per 512 bytes; connections and registry operations are not charged.
    func quotaCost(_ sku: HubSKU) -> Int {
        switch self {
        case .connection, .registry: 0
        case .deviceToCloud(let bytes), .cloudToDevice(let bytes), .method(let bytes): chunks(bytes, sku.meteringBytes)
        case .twinRead(let bytes), .twinUpdate(let bytes): chunks(bytes, HubSKU.twinMeteringBytes)
        }
    }
}

/// At least one chunk, and one more for every started `size` bytes.
private func chunks(_ bytes: Int, _ size: Int) -> Int { max(1, (bytes + size - 1) / size) }

/// A token bucket: `rate` tokens a second, holding at most `capacity`, full at first. Time is what the caller says
/// it is (the hub's injectable clock), so a test steps it, and a scaled clock scales every throttle with it.
struct TokenBucket: Equatable {
    let rate: Double
    let capacity: Double
    private(set) var tokens: Double
    private var last: Date?

    init(rate: Double, capacity: Double) {
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
    }

    /// Whether the bucket would be full at `now`: it then holds nothing a new bucket would not, and can be dropped.
    func isFull(at now: Date) -> Bool {
        self.tokens + max(0, now.timeIntervalSince(self.last ?? now)) * self.rate >= self.capacity
    }

    /// Refills for the time since the last call (a clock that went back refills nothing), then takes `cost` if
    /// the bucket holds it. - Returns: nil when taken; else the seconds until it would be.
    mutating func take(_ cost: Double, at now: Date) -> TimeInterval? {
        if let last = self.last, now > last {
            self.tokens = min(self.capacity, self.tokens + now.timeIntervalSince(last) * self.rate)
        }
        self.last = max(self.last ?? now, now)
        // A cost over the capacity would never fit: it waits for a full bucket and takes it all.
        let needed = min(cost, self.capacity)
        guard self.tokens >= needed else { return (needed - self.tokens) / self.rate }
        self.tokens -= needed
        return nil
    }
}

/// The daily message quota: messages charged since the start of the UTC day (it refreshes at 00:00 UTC). Once a
/// charge does not fit, the quota is spent for the rest of the day: nothing more is charged, and what costs
/// nothing (a new connection) is refused too ("403002 IoTHubQuotaExceeded": all requests fail).
struct DailyQuota: Equatable {
    let limit: Int
    private(set) var used = 0
    private(set) var spent = false
    private var day: Int64?

    init(limit: Int) { self.limit = limit }

    /// Charges `cost` messages when they fit in what is left of the day's quota.
    mutating func charge(_ cost: Int, at now: Date) -> Bool {
        let today = Int64((now.timeIntervalSince1970 / 86_400).rounded(.down))
        if self.day != today {
            self.day = today
            self.used = 0
            self.spent = false
        }
        guard !self.spent, self.used + cost <= self.limit else {
            self.spent = true
            return false
        }
        self.used += cost
        return true
    }
}

/// What IoT Hub enforces on a hub of a given SKU: a token bucket per hub and operation, each full at first and
/// holding one second's worth (at least one operation), and the daily quota per hub. An operation over its
/// throttle is refused with 429001 ThrottlingException, any metered operation once the day's quota is spent with
/// 403002 IoTHubQuotaExceeded ("Understand and resolve Azure IoT Hub errors",
/// learn.microsoft.com/azure/iot-hub/troubleshoot-error-codes). A refused operation is not charged. Its own lock,
/// taken alone.
public final class HubThrottles: Sendable {
    public let sku: HubSKU
    private let now: @Sendable () -> Date

    private struct HubState {
        var buckets: [ThrottledOperation.Kind: TokenBucket] = [:]
        var quota: DailyQuota
    }

    private let hubs = NIOLockedValueBox<[String: HubState]>([:])
    /// Operations refused since the start, for the log (the first refusal, then one in a hundred).
    private let refusals = NIOLockedValueBox(0)

    public init(sku: HubSKU, now: @escaping @Sendable () -> Date) {
        self.sku = sku
        self.now = now
    }

    /// Admits `operation` on `hub`, taking it from the throttle and charging the quota. - Returns: the refusal, or
    /// nil when admitted.
    public func admit(_ operation: ThrottledOperation, hub: String) -> IoTHubError? {
        let now = self.now()
        let kind = operation.kind
        let cost = operation.quotaCost(self.sku)
        let refusal: Refusal? = self.hubs.withLockedValue { hubs in
            let key = hub.lowercased()
            var state = hubs[key] ?? HubState(quota: DailyQuota(limit: self.sku.dailyMessages))
            // A spent quota refuses before the throttle is touched; registry operations are never charged.
            if kind != .registry {
                var quota = state.quota
                if !quota.charge(cost, at: now) {
                    state.quota = quota
                    hubs[key] = state
                    return .quota(used: quota.used)
                }
                // A throttled operation is not charged: the quota is kept only once the throttle admits it.
                state.quota = quota
            }
            let rate = self.sku.rate(kind)
            var bucket = state.buckets[kind] ?? TokenBucket(rate: rate, capacity: max(1, rate))
            if let wait = bucket.take(operation.throttleCost(), at: now) { return .throttle(wait: wait) }
            state.buckets[kind] = bucket
            hubs[key] = state
            return nil
        }
        switch refusal {
        case nil:
            return nil
        case .quota(let used):
            return .quotaExceeded(
                "IotHub \(hub) exceeded its daily message quota of \(self.sku.dailyMessages) messages (\(used) used, \(self.sku)); it refreshes at 00:00 UTC")
        case .throttle(let wait):
            return .throttled(
                "Throttling: \(kind.rawValue) over \(Self.format(self.sku.rate(kind)))/sec for IotHub \(hub) (\(self.sku)); retry in \(Self.format(wait)) s")
        }
    }

    /// Admits `operation` as ``admit(_:hub:)`` does. - Returns: the refusal with the count of refusals so far, or
    /// nil when admitted.
    func check(_ operation: ThrottledOperation, hub: String) -> (error: IoTHubError, count: Int)? {
        guard let error = self.admit(operation, hub: hub) else { return nil }
        return (error, self.refusals.withLockedValue { count in
            count += 1
            return count
        })
    }

    private enum Refusal {
        case quota(used: Int)
        case throttle(wait: TimeInterval)
    }

    /// Messages charged to `hub` today.
    public func messagesUsed(hub: String) -> Int {
        self.hubs.withLockedValue { $0[hub.lowercased()]?.quota.used ?? 0 }
    }

    /// A rate or a wait with at most two decimals.
    private static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
