import Crypto
import Foundation
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOCore
import Secrets
import X509

/// What the hub needs from a live device connection; calls arrive on any thread.
public protocol DeviceLink: AnyObject, Sendable {
    /// Sends a packet to the device (hopping to the connection's event loop).
    func send(_ packet: MQTTPacket)
    /// Claims a queued C2D message for delivery on this connection: the packet identifier to send it with, or nil
    /// when it is in flight here already. Atomic, so that of two deliveries racing for a message (a service send and
    /// a SUBSCRIBE) exactly one sends it. The claim lasts until the PUBACK, ``release(_:)`` or the lock expires.
    func claim(_ sequence: Int64, at claimedAt: Date) -> UInt16?
    /// Gives up a claim whose message was not sent.
    func release(_ sequence: Int64)
    /// Forgets the deliveries made before `cutoff` that still await their PUBACK (their lock expired), so they are
    /// delivered again; returns how many.
    func releaseLocks(deliveredBefore cutoff: Date) -> Int
    /// Closes the connection, logging why.
    func close(reason: String)
}

/// A telemetry message as `az iot hub monitor-events` shows it.
public struct TelemetryEvent: Sendable {
    public var sequence: Int
    public var hub: String
    public var deviceID: String
    public var enqueuedTime: String
    public var systemProperties: [(String, String?)]
    public var applicationProperties: [(String, String?)]
    public var body: [UInt8]
}

/// The emulator's hub side: the parts, each with one job and its own lock, and the operations of the service API
/// and of device sessions that use them. The parts are the registry of hubs, devices, twins and CA certificates
/// (``HubRegistry``), the cloud-to-device queues (``CloudToDeviceQueues``), the live connections
/// (``ConnectionTable``), the pending method calls (``MethodCalls``) and the telemetry stream
/// (``TelemetryStream``). Every mutation is stored before it is acknowledged.
///
/// Lock order: DPS's instances, then the registry, then the store; never the reverse. The registry is the only
/// part that calls another (the store, a leaf) while it holds its lock; every other part's lock is taken alone, and
/// this type holds no lock of its own.
public final class HubCore: Sendable {
    /// What a hub is configured with at start (`nrfsim hub` flags).
    public struct Options: Sendable {
        /// Accept any api-version (logged); strict mode refuses a CONNECT without one.
        public var strictAPIVersion = false
        /// How long a delivered C2D message waits for its PUBACK before it is delivered again (IoT Hub: 1 minute).
        public var cloudToDeviceLockTimeout: TimeInterval = 60
        /// The telemetry stream's bound in bytes (``Limits/telemetryBufferBytes``).
        public var telemetryBufferBytes = Limits.defaultTelemetryBufferBytes
        /// What JSON from a device or a service call may cost to parse (``Limits/json``).
        public var json = Limits.defaultPeerJSON
        /// Topic filters whose SUBSCRIBE is answered with a failure, on the hub and on DPS.
        public var refusedSubscriptions = SubscriptionRefusals()

        public init() {}
    }

    public let store: any HubStore
    let logger: Logger
    let now: @Sendable () -> Date
    let options: Options
    let registry: HubRegistry
    let connections = ConnectionTable()
    let methods = MethodCalls()
    let telemetry: TelemetryStream
    let cloudToDevice: CloudToDeviceQueues

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

    public init(store: any HubStore, logger: Logger, options: Options = Options(), now: @escaping @Sendable () -> Date = Date.init) throws {
        self.store = store
        self.logger = logger
        self.now = now
        self.options = options
        self.registry = try HubRegistry(loading: store)
        self.telemetry = TelemetryStream(capacity: HubCore.eventCapacity, maximumBytes: options.telemetryBufferBytes)
        self.cloudToDevice = CloudToDeviceQueues(store: store, logger: logger, now: now)
    }

    public var hubRecords: [HubRecord] { self.registry.records }

    func timestamp() -> String { iso8601(self.now()) }

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
        self.telemetry.append(hub: hub, deviceID: deviceID, enqueuedTime: self.timestamp(), properties: properties, body: body, retain: retain)
    }

    /// Events after `sequence` for a hub; when there are none, waits up to `timeout` on `eventLoop`.
    public func events(hub: String, after sequence: Int, timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<[TelemetryEvent]> {
        self.telemetry.events(hub: hub, after: sequence, timeout: timeout, on: eventLoop)
    }

    public var latestEventSequence: Int { self.telemetry.latestSequence }
}

/// ISO 8601 UTC with milliseconds (`2026-11-27T10:07:33.907Z`), as IoT Hub writes times; built directly from the
/// calendar fields because a formatter per message is costly on the telemetry path.
func iso8601(_ date: Date) -> String {
    let interval = date.timeIntervalSince1970
    var seconds = time_t(interval.rounded(.down))
    let milliseconds = Int((interval - interval.rounded(.down)) * 1000)
    var fields = tm()
    gmtime_r(&seconds, &fields)
    func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(fields.tm_year + 1900, 4))-\(pad(fields.tm_mon + 1, 2))-\(pad(fields.tm_mday, 2))T"
        + "\(pad(fields.tm_hour, 2)):\(pad(fields.tm_min, 2)):\(pad(fields.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
}

/// A new symmetric key: bytes from the CSPRNG (32 by default) in base64, as Azure generates them.
func randomKey(bytes: Int = 32) -> String {
    SecureRandom.base64(bytes)
}
