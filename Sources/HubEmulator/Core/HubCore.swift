import Crypto
import Foundation
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOCore
import Secrets
import SimCore
import X509

/// What the hub needs from a live device connection; calls arrive on any thread.
public protocol DeviceLink: AnyObject, Sendable {
    /// Sends a packet to the device (hopping to the connection's event loop).
    func send(_ packet: MQTTPacket)
    /// Claims a queued C2D message for delivery on this connection: the packet identifier to send it with, or nil
    /// when it is in flight here already. Atomic, so that of two deliveries racing for a message (a service send and
    /// a SUBSCRIBE) exactly one sends it. The claim lasts until the PUBACK, ``release(_:)`` or the connection's end.
    func claim(_ sequence: Int64, at claimedAt: Date) -> UInt16?
    /// Gives up a claim whose message was not sent.
    func release(_ sequence: Int64)
    /// How many deliveries made before `cutoff` still await their PUBACK (their lock expired). The claims stay: the
    /// hub closes such a connection, and the messages, still queued, go to the device's next one.
    func unacknowledged(deliveredBefore cutoff: Date) -> Int
    /// Closes the connection, logging why.
    func close(reason: String)
}

/// A telemetry message as `az iot hub monitor-events` shows it.
public struct TelemetryEvent: Sendable {
    public var sequence: Int
    public var hub: String
    public var deviceID: String
    /// When the hub received it; formatted (``enqueuedTime``) only when the event is read, not on the telemetry path.
    public var enqueuedAt: Date
    public var systemProperties: [(String, String?)]
    public var applicationProperties: [(String, String?)]
    public var body: [UInt8]

    /// `iothub-enqueuedtime`: ISO 8601 UTC with milliseconds.
    public var enqueuedTime: String { iso8601(self.enqueuedAt) }
}

/// The emulator's hub side: the parts, each with one job and its own lock, and the operations of the service API
/// and of device sessions that use them. The parts are the registry of hubs, devices, twins and CA certificates
/// (``HubRegistry``), the cloud-to-device queues (``CloudToDeviceQueues``), the live connections
/// (``ConnectionTable``), the pending method calls (``MethodCalls``) and the telemetry stream
/// (``TelemetryStream``). Every mutation is stored before it is acknowledged.
///
/// Lock order: DPS's instances, then a device's lock (``HubRegistry/withDeviceLock(_:_:_:)``), then the registry, then
/// the store; never the reverse. The registry is the only part that calls another (the store, a leaf) while it holds
/// its lock or a device's; every other part's lock is taken alone, and this type holds no lock of its own.
public final class HubCore: Sendable {
    /// What a hub is configured with at start (`nrfsim hub` flags).
    public struct Options: Sendable {
        /// Accept any api-version (logged); strict mode refuses a CONNECT without one.
        public var strictAPIVersion = false
        /// How long a delivered C2D message waits for its PUBACK (IoT Hub's lock timeout: 1 minute); then the hub
        /// closes the device's connection and delivers the message again on its next one (``DeviceConnectionHandler``).
        public var cloudToDeviceLockTimeout: TimeInterval = 60
        /// The telemetry stream's bound in bytes (``Limits/telemetryBufferBytes``).
        public var telemetryBufferBytes = Limits.defaultTelemetryBufferBytes
        /// What JSON from a device or a service call may cost to parse (``Limits/json``).
        public var json = Limits.defaultPeerJSON
        /// Topic filters whose SUBSCRIBE is answered with a failure, on the hub and on DPS.
        public var refusedSubscriptions = SubscriptionRefusals()
        /// The tier whose quota and throttles the hub enforces (`--sku`, `--units`); nil: none.
        public var sku: HubSKU?
        /// How fast ``HubCore/now`` runs against real time (``ServiceClock``): the event-loop timers of service-level
        /// intervals (direct-method timeouts) wait `interval / scale`.
        public var timeScale = TimeScale.realTime

        public init() {}
    }

    public let store: any HubStore
    let logger: Logger
    let now: @Sendable () -> Date
    /// Real wall time, for credentials: SAS token expiry and certificate validity.
    let credentialNow: @Sendable () -> Date
    let options: Options
    let registry: HubRegistry
    let connections = ConnectionTable()
    let methods = MethodCalls()
    let methodArrivals = MethodArrivals()
    let telemetry: TelemetryStream
    let cloudToDevice: CloudToDeviceQueues
    /// What each device's connections cost on the wire since the hub started (`nrfsim az iot hub emulator ledger`).
    public let traffic = HubTrafficLedger()
    /// The SKU's quota and throttles, timed by ``now``; nil when the hub enforces none.
    public let throttles: HubThrottles?

    public var strictAPIVersion: Bool { self.options.strictAPIVersion }
    public var cloudToDeviceLockTimeout: TimeInterval { self.options.cloudToDeviceLockTimeout }
    /// The bounds every JSON document from a peer is parsed within.
    public var jsonLimits: JSONParser.Limits { self.options.json }
    /// The subscriptions the emulator was told to refuse.
    public var refusedSubscriptions: SubscriptionRefusals { self.options.refusedSubscriptions }

    public static let maximumQueueDepth = CloudToDeviceQueues.maximumQueueDepth
    public static let maximumDeliveryCount = CloudToDeviceQueues.maximumDeliveryCount
    public static let defaultTTL = CloudToDeviceQueues.defaultTTL
    static let eventCapacity = 100_000

    /// - Parameters:
    ///   - now: service-level time (``ServiceClock``).
    ///   - credentialNow: the time credentials are checked against; `now` unless given (tests move one clock).
    public init(
        store: any HubStore, logger: Logger, options: Options = Options(), now: @escaping @Sendable () -> Date = Date.init,
        credentialNow: (@Sendable () -> Date)? = nil
    ) throws {
        self.store = store
        self.logger = logger
        self.now = now
        self.credentialNow = credentialNow ?? now
        self.options = options
        self.registry = try HubRegistry(loading: store)
        self.telemetry = TelemetryStream(capacity: HubCore.eventCapacity, maximumBytes: options.telemetryBufferBytes)
        self.cloudToDevice = CloudToDeviceQueues(store: store, logger: logger, now: now)
        self.throttles = options.sku.map { HubThrottles(sku: $0, now: now) }
    }

    public var hubRecords: [HubRecord] { self.registry.records }

    func timestamp() -> String { iso8601(self.now()) }

    /// The real wait of a service-level interval of `seconds` (``Options/timeScale``).
    func serviceDelay(seconds: Int) -> TimeAmount { .nanoseconds(Int64(seconds) * 1_000_000_000 / Int64(self.options.timeScale.factor)) }

    // MARK: Hubs

    /// `az iot hub create`: a hub named `name` at `<name>.azure-devices.net`, with the default policies.
    public func createHub(name: String) throws -> HubRecord {
        try self.registry.insert(name) {
            guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9-]{1,48}[A-Za-z0-9]$", options: .regularExpression) != nil else {
                throw IoTHubError.argumentInvalid("the hub name '\(name)' must be 3-50 letters, digits or hyphens")
            }
            var policies: [String: (primary: String, secondary: String)] = [:]
            for policy in ["iothubowner", "service", "device", "registryRead", "registryReadWrite"] {
                policies[policy] = (randomKey(), randomKey())
            }
            let record = HubRecord(name: name, hostname: "\(name).azure-devices.net", policies: policies)
            try self.store.save(record)
            self.logger.info("hub created", metadata: ["hub": "\(name)"])
            return record
        }
    }

    /// The hub a hostname names (case-insensitive), or a hub named so.
    public func hub(named name: String) -> HubRecord? {
        self.registry.hub(named: name)
    }

    // MARK: Telemetry stream

    func appendEvent(hub: String, deviceID: String, properties: PropertyBag, body: [UInt8], retain: Bool) {
        self.telemetry.append(hub: hub, deviceID: deviceID, enqueuedAt: self.now(), properties: properties, body: body, retain: retain)
    }

    /// Events after `sequence` for a hub; when there are none, waits up to `timeout` on `eventLoop`.
    public func events(hub: String, after sequence: Int, timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<[TelemetryEvent]> {
        self.telemetry.events(hub: hub, after: sequence, timeout: timeout, on: eventLoop)
    }

    public var latestEventSequence: Int { self.telemetry.latestSequence }
}

/// ISO 8601 UTC with milliseconds (`2026-11-27T10:07:33.907Z`), as IoT Hub writes times: the 24 characters written
/// straight into the string's storage from the calendar fields, which come from the day number by Howard Hinnant's
/// `civil_from_days` ("chrono-Compatible Low-Level Date Algorithms", howardhinnant.github.io/date_algorithms.html):
/// no formatter, no padding strings, and not glibc's `gmtime_r`, which takes the process's time-zone lock.
func iso8601(_ date: Date) -> String {
    let interval = date.timeIntervalSince1970
    let whole = interval.rounded(.down)
    let milliseconds = Int((interval - whole) * 1000)
    let seconds = Int64(whole)
    var days = seconds / 86_400
    var secondOfDay = seconds % 86_400
    if secondOfDay < 0 {
        secondOfDay += 86_400
        days -= 1
    }
    // civil_from_days: days since 1970-01-01 to year, month, day (proleptic Gregorian).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    guard (0...9999).contains(year) else {
        // Outside four digits (a certificate's far validity, say): the same fields, padded to at least four.
        let text = String(year)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return String(repeating: "0", count: max(0, 4 - text.count)) + text + "-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(String(repeating: "0", count: milliseconds < 10 ? 2 : milliseconds < 100 ? 1 : 0))\(milliseconds)Z"
    }
    return String(unsafeUninitializedCapacity: 24) { buffer in
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                buffer[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                value /= 10
            }
        }
        put(year, 4, at: 0)
        buffer[4] = UInt8(ascii: "-")
        put(month, 2, at: 5)
        buffer[7] = UInt8(ascii: "-")
        put(day, 2, at: 8)
        buffer[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, 2, at: 11)
        buffer[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, 2, at: 14)
        buffer[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, 2, at: 17)
        buffer[19] = UInt8(ascii: ".")
        put(Int64(milliseconds), 3, at: 20)
        buffer[23] = UInt8(ascii: "Z")
        return 24
    }
}

/// A new symmetric key: bytes from the CSPRNG (32 by default) in base64, as Azure generates them.
func randomKey(bytes: Int = 32) -> String {
    SecureRandom.base64(bytes)
}
