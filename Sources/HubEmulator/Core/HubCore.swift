import Crypto
import Foundation
import IoTHubTopics
import JSON
import Logging
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore
import Secrets
import Synchronization
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

/// The emulator's shared state: the hubs with their devices, twins and CA certificates (the registry, kept in the
/// store and mirrored here under `lock`), and the parts with a lock of their own: the live connections, the pending
/// method calls and the telemetry stream. Every mutation is stored before it is acknowledged.
///
/// Lock order: DPS's lock, then `lock`, then a part's lock; never the reverse. No part calls out while it holds its
/// own lock, and the store (a leaf, which takes none of these locks) is called under `lock` so that a change is
/// stored before it is visible.
public final class HubCore: @unchecked Sendable {
    public let store: any HubStore
    let logger: Logger
    let lock = NIOLock()
    let now: @Sendable () -> Date
    private(set) var hubs: [String: HubState] = [:]
    let connections = ConnectionTable()
    let methods = MethodCalls()
    let telemetry = TelemetryStream(capacity: HubCore.eventCapacity)
    /// C2D messages whose PUBACK came and whose completion is being stored, whichever connection delivered them.
    let completions = Mutex<Set<Int64>>([])
    /// Accept any api-version (logged); strict mode refuses a CONNECT without one.
    public var strictAPIVersion = false
    /// How long a delivered C2D message waits for its PUBACK before it is delivered again (IoT Hub: 1 minute).
    public var cloudToDeviceLockTimeout: TimeInterval = 60

    public static let maximumQueueDepth = 50
    public static let maximumDeliveryCount = 10
    public static let defaultTTL: Int64 = 3600
    static let eventCapacity = 100_000

    final class HubState {
        var record: HubRecord
        var devices: [String: DeviceRecord] = [:]
        var certificates = CertificateRegistry()

        init(record: HubRecord) { self.record = record }
    }

    public init(store: any HubStore, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.store = store
        self.logger = logger
        self.now = now
        for record in try store.hubs() {
            let state = HubState(record: record)
            for device in try store.devices(hub: record.name) { state.devices[device.deviceID] = device }
            for certificate in try store.certificates(hub: record.name) {
                try state.certificates.load(certificate, table: "certificate", key: "\(record.name)/\(certificate.name)")
            }
            self.hubs[record.name] = state
        }
    }

    public var hubRecords: [HubRecord] { self.lock.withLock { self.hubs.values.map(\.record).sorted { $0.name < $1.name } } }

    func timestamp() -> String { iso8601(self.now()) }

    // MARK: Hubs

    /// `az iot hub create`: a hub named `name` at `<name>.azure-devices.net`, with the default policies.
    public func createHub(name: String) throws -> HubRecord {
        try self.lock.withLock {
            if let existing = self.hubs[name] { return existing.record }
            guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9-]{1,48}[A-Za-z0-9]$", options: .regularExpression) != nil else {
                throw IoTHubError.argumentInvalid("the hub name '\(name)' must be 3-50 letters, digits or hyphens")
            }
            var policies: [String: (primary: String, secondary: String)] = [:]
            for policy in ["iothubowner", "service", "device", "registryRead", "registryReadWrite"] {
                policies[policy] = (randomKey(), randomKey())
            }
            let record = HubRecord(name: name, hostname: "\(name).azure-devices.net", policies: policies)
            try self.store.save(record)
            self.hubs[name] = HubState(record: record)
            self.logger.info("hub created", metadata: ["hub": "\(name)"])
            return record
        }
    }

    /// The hub a hostname names (case-insensitive), or a hub named so.
    public func hub(named name: String) -> HubRecord? {
        self.lock.withLock { self.state(forName: name)?.record }
    }

    func state(forName name: String) -> HubState? {
        if let state = self.hubs[name] { return state }
        let lowered = name.lowercased()
        return self.hubs.values.first { $0.record.hostname.lowercased() == lowered || $0.record.name.lowercased() == lowered }
    }

    func withHub<T>(_ name: String, _ body: (HubState) throws -> T) throws -> T {
        try self.lock.withLock {
            guard let state = self.state(forName: name) else {
                throw IoTHubError.iotHubNotFound("no IoT hub named '\(name)'")
            }
            return try body(state)
        }
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
