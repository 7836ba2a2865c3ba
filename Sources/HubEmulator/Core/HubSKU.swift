/// An IoT Hub tier and its number of units (`nrfsim hub --sku F1|S1|S2|S3 --units N`): the daily message quota and
/// the operation throttles of "IoT Hub quotas and throttling" (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-
/// quotas-throttling) and "Understand IoT Hub pricing" (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-pricing).
/// Rates are per second of the hub's clock.
public struct HubSKU: Sendable, Equatable, CustomStringConvertible {
    public enum Tier: String, Sendable, CaseIterable {
        case f1 = "F1", s1 = "S1", s2 = "S2", s3 = "S3"

        /// The most units a hub of the tier may have (F1: one; S1, S2: 200; S3: 10).
        public var maximumUnits: Int {
            switch self {
            case .f1: 1
            case .s1, .s2: 200
            case .s3: 10
            }
        }
    }

    public let tier: Tier
    public let units: Int

    /// - Throws: ``HubSKUError`` for an unknown tier or a unit count the tier does not allow.
    public init(tier text: String, units: Int = 1) throws(HubSKUError) {
        guard let tier = Tier(rawValue: text.uppercased()) else { throw .unknownTier(text) }
        guard (1...tier.maximumUnits).contains(units) else { throw .badUnits(tier, units) }
        self.tier = tier
        self.units = units
    }

    public var description: String { "\(self.tier.rawValue), \(self.units) unit\(self.units == 1 ? "" : "s")" }

    /// Messages a day, summed over the units: F1 8,000; S1 400,000, S2 6,000,000, S3 300,000,000 a unit.
    public var dailyMessages: Int {
        switch self.tier {
        case .f1: 8000
        case .s1: 400_000 * self.units
        case .s2: 6_000_000 * self.units
        case .s3: 300_000_000 * self.units
        }
    }

    /// The message size the daily quota counts in: 0.5 KB on the free tier, 4 KB on the others. A device-to-cloud
    /// message, a cloud-to-device message and a direct method's request are charged one message per chunk.
    public var meteringBytes: Int { self.tier == .f1 ? 512 : 4096 }

    /// Twin reads and updates (from the device or the back end) are charged in 512-byte chunks on every tier.
    public static let twinMeteringBytes = 512

    /// Direct methods are throttled by payload in 8 KB meters.
    public static let methodThrottleBytes = 8 * 1024

    /// An operation's throttle, in operations (for methods, 8 KB meters) a second.
    public func rate(_ kind: ThrottledOperation.Kind) -> Double {
        let units = Double(self.units)
        switch (kind, self.tier) {
        case (.registry, .f1), (.registry, .s1), (.registry, .s2): return 100.0 / 60 * units
        case (.registry, .s3): return 5000.0 / 60 * units
        case (.connection, .f1), (.connection, .s1), (.deviceToCloud, .f1), (.deviceToCloud, .s1): return max(100, 12 * units)
        case (.connection, .s2), (.deviceToCloud, .s2): return 120 * units
        case (.connection, .s3), (.deviceToCloud, .s3): return 6000 * units
        case (.cloudToDevice, .s3): return 5000.0 / 60 * units
        case (.cloudToDevice, _): return 100.0 / 60 * units
        case (.twinRead, .f1), (.twinRead, .s1): return 100
        case (.twinRead, .s2): return max(100, 10 * units)
        case (.twinRead, .s3): return 500 * units
        case (.twinUpdate, .f1), (.twinUpdate, .s1): return 50
        case (.twinUpdate, .s2): return max(50, 5 * units)
        case (.twinUpdate, .s3): return 250 * units
        // 160 KB/s, 480 KB/s and 24 MB/s a unit, in 8 KB meters.
        case (.method, .f1), (.method, .s1): return 20 * units
        case (.method, .s2): return 60 * units
        case (.method, .s3): return 3072 * units
        }
    }
}

/// A `--sku` or `--units` value the table does not have.
public enum HubSKUError: Error, Equatable, CustomStringConvertible {
    case unknownTier(String)
    case badUnits(HubSKU.Tier, Int)

    public var description: String {
        switch self {
        case .unknownTier(let text): "--sku '\(text)' is not an IoT Hub tier: expected F1, S1, S2 or S3"
        case .badUnits(let tier, let units): "--units \(units): an \(tier.rawValue) hub has 1 to \(tier.maximumUnits) units"
        }
    }
}
