import Foundation
import IoTHubTopics
import Logging
import MQTTCodec
import NIOConcurrencyHelpers

/// The devices' cloud-to-device queues: messages kept in the store until the device completes them (its PUBACK),
/// delivered at least once, and dead-lettered when they expire or were delivered too often. Its own lock (the set of
/// completions being stored) is taken alone; it never calls into the registry.
///
/// Limits and lock timeout as IoT Hub has them ("Send cloud-to-device messages from an IoT hub",
/// learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-c2d): at most 50 messages queued per device, a
/// maximum delivery count of 10, a default time to live of one hour.
final class CloudToDeviceQueues: Sendable {
    static let maximumQueueDepth = 50
    static let maximumDeliveryCount = 10
    static let defaultTTL: Int64 = 3600

    private let store: any HubStore
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Messages whose PUBACK came and whose completion is being stored, whichever connection delivered them.
    private let completions = NIOLockedValueBox<Set<Int64>>([])

    init(store: any HubStore, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// Queues a message for a device. - Returns: the message id. - Throws: 403004 when the queue is full, or the
    /// store's error (nothing queued).
    func enqueue(hub: String, deviceID: String, body: [UInt8], properties: [(key: String, value: String?)], ttlSeconds: Int64?) throws -> String {
        // The depth is counted, not read: the delivery that follows reads the queue (once per send).
        if try self.store.queueDepth(hub: hub, device: deviceID) >= Self.maximumQueueDepth {
            throw IoTHubError.deviceMaximumQueueDepthExceeded("Total number of messages on IotHub Device Queue exceeds the allowed limit")
        }
        let messageID = properties.first { $0.key == "$.mid" }?.value ?? UUID().uuidString.lowercased()
        let message = C2DMessage(
            sequence: 0, messageID: messageID, properties: properties.filter { $0.key != "$.mid" }, body: body,
            expiresAt: Int64(self.now().timeIntervalSince1970) + (ttlSeconds ?? Self.defaultTTL), deliveryCount: 0)
        _ = try self.store.enqueue(message, hub: hub, device: deviceID)
        return messageID
    }

    /// How many messages a device has queued.
    func count(hub: String, deviceID: String) throws -> Int {
        try self.store.queueDepth(hub: hub, device: deviceID)
    }

    /// Delivers a device's queued messages on `link`; expired or over-delivered ones are dead-lettered. Each message
    /// is claimed on the connection before it is counted and sent, so concurrent calls never send one twice; a store
    /// failure stops the delivery (the messages stay queued) and is logged.
    func deliver(hub: String, deviceID: String, on link: any DeviceLink) {
        let metadata: Logger.Metadata = ["hub": "\(hub)", "device": "\(deviceID)"]
        let queued: [C2DMessage]
        do {
            queued = try self.store.queued(hub: hub, device: deviceID)
        } catch {
            return self.logger.error("C2D messages not delivered: \(error)", metadata: metadata)
        }
        let now = Int64(self.now().timeIntervalSince1970)
        for message in queued where !self.isCompleting(message.sequence) {
            guard let packetID = link.claim(message.sequence, at: self.now()) else { continue }
            if message.expiresAt < now || message.deliveryCount >= Self.maximumDeliveryCount {
                link.release(message.sequence)
                do {
                    try self.store.removeMessage(sequence: message.sequence)
                    self.logger.info("C2D message dead-lettered", metadata: metadata.merging(["messageId": "\(message.messageID)"]) { $1 })
                } catch {
                    self.logger.error("C2D message not dead-lettered: \(error)", metadata: metadata)
                }
                continue
            }
            let delivered: C2DMessage?
            do {
                delivered = try self.store.markDelivered(sequence: message.sequence)
            } catch {
                link.release(message.sequence)
                return self.logger.error("C2D message not delivered: \(error)", metadata: metadata)
            }
            // Completed or purged meanwhile, or its PUBACK came on another connection since the check above.
            guard let delivered, !self.isCompleting(message.sequence) else {
                link.release(message.sequence)
                continue
            }
            var bag: [(key: String, value: String?)] = [("$.mid", delivered.messageID), ("$.to", "/devices/\(deviceID)/messages/devicebound")]
            bag += delivered.properties
            let topic = HubToDeviceTopic.cloudToDevice(deviceID: deviceID, properties: PropertyBag(bag)).topic
            link.send(.publish(Publish(topic: topic, payload: delivered.body, qos: .atLeastOnce, packetID: packetID)))
        }
    }

    /// Marks a message whose PUBACK came: no delivery sends it until ``complete(sequence:)`` ends.
    func beginCompletion(_ sequence: Int64) {
        self.completions.withLockedValue { _ = $0.insert(sequence) }
    }

    /// The device's PUBACK: the message is completed. A store failure is logged; the message stays queued and is
    /// delivered again (IoT Hub's at-least-once delivery). - Returns: whether the completion was stored.
    func complete(sequence: Int64) -> Bool {
        self.beginCompletion(sequence)
        defer { self.completions.withLockedValue { _ = $0.remove(sequence) } }
        do {
            try self.store.removeMessage(sequence: sequence)
            return true
        } catch {
            self.logger.error("C2D completion not stored; the message will be delivered again: \(error)")
            return false
        }
    }

    /// Empties a device's queue; returns how many messages it held.
    func purge(hub: String, deviceID: String) throws -> Int {
        try self.store.purgeMessages(hub: hub, device: deviceID)
    }

    private func isCompleting(_ sequence: Int64) -> Bool {
        self.completions.withLockedValue { $0.contains(sequence) }
    }
}
