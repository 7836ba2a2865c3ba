import Foundation
import IoTHubTopics
import JSON
import Logging
import NIOConcurrencyHelpers
import MQTTCodec
import NIOCore
import Synchronization

/// Twins, direct methods and cloud-to-device messages.
extension HubCore {
    // MARK: Device side

    /// A device's twin GET: 200 and `{"desired":…,"reported":…}`.
    public func deviceTwin(identity: DeviceSessionIdentity) -> JSONValue? {
        self.lock.withLock { self.hubs[identity.hub]?.devices[identity.deviceID]?.twin.deviceDocument }
    }

    /// A device's reported PATCH: the status (204, 400, 413) and the new reported version.
    public func reportProperties(identity: DeviceSessionIdentity, payload: [UInt8]) -> (status: Int, version: Int?, message: String?) {
        let patch: JSONValue
        do {
            patch = try JSONValue.parse(payload)
        } catch {
            return (400, nil, "\(error)")
        }
        do {
            return try self.withHub(identity.hub) { state in
                guard var device = state.devices[identity.deviceID] else { return (404, nil, "device not registered") }
                do {
                    let version = try device.twin.applyReported(patch, now: self.timestamp())
                    try self.store.save(device, hub: state.record.name)
                    state.devices[identity.deviceID] = device
                    return (204, version, nil)
                } catch let error as TwinError {
                    return (error.status, nil, error.message)
                }
            }
        } catch {
            return (500, nil, "\(error)")
        }
    }

    /// A device's answer to a direct method.
    public func methodResponse(identity: DeviceSessionIdentity, requestID: String, status: Int, payload: [UInt8]) {
        let promise = self.methods.finish(hub: identity.hub, deviceID: identity.deviceID, requestID: requestID)
        guard let promise else {
            self.logger.info("late or unknown method response dropped", metadata: ["device": "\(identity.deviceID)", "rid": "\(requestID)"])
            return
        }
        let body = payload.isEmpty ? JSONValue.null : ((try? JSONValue.parse(payload)) ?? .string(String(decoding: payload, as: UTF8.self)))
        promise.succeed((status, body))
    }

    // MARK: Service side

    /// `PATCH /twins/{id}`: merges tags and desired properties, then notifies the device of a desired change.
    public func patchTwin(hub: String, id: String, body: JSONValue, ifMatch: String?, replace: Bool) throws -> JSONValue {
        let (notification, hubName): (JSONValue?, String) = try self.withHub(hub) { state in
            guard var device = state.devices[id] else { throw IoTHubError.deviceNotFound(id) }
            if let ifMatch {
                let unquoted = ifMatch.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if unquoted != "*" && unquoted != device.twin.etag {
                    throw IoTHubError.preconditionFailed("the etag '\(unquoted)' does not match '\(device.twin.etag)'")
                }
            }
            do {
                let notification = replace
                    ? try device.twin.applyServiceReplace(body, now: self.timestamp())
                    : try device.twin.applyServicePatch(body, now: self.timestamp())
                try self.store.save(device, hub: state.record.name)
                state.devices[id] = device
                return (notification, state.record.name)
            } catch let error as TwinError {
                throw error.status == 400 ? IoTHubError.argumentInvalid(error.message) : IoTHubError.messageTooLarge(error.message)
            }
        }
        if let notification, let link = self.link(hub: hubName, deviceID: id, needing: .desiredPatches),
            let version = notification["$version"]?.intValue
        {
            link.send(.publish(Publish(topic: HubToDeviceTopic.desiredPatch(version: version).topic, payload: Array(notification.text.utf8))))
        }
        return try self.twinJSON(hub: hub, id: id)
    }

    /// `POST /twins/{id}/methods`: 404 when the device is offline or not subscribed, 504 after the timeout.
    public func invokeMethod(
        hub: String, id: String, name: String, payload: JSONValue, timeoutSeconds: Int, on eventLoop: any EventLoop
    ) -> EventLoopFuture<(Int, JSONValue)> {
        let hubName: String
        do {
            hubName = try self.withHub(hub) { state in
                guard state.devices[id] != nil else { throw IoTHubError.deviceNotFound(id) }
                return state.record.name
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        guard let link = self.link(hub: hubName, deviceID: id, needing: .methods) else {
            return eventLoop.makeFailedFuture(IoTHubError.deviceNotOnline("Timed out waiting for device to connect."))
        }
        let promise = eventLoop.makePromise(of: (Int, JSONValue).self)
        let requestID = self.methods.begin(hub: hubName, deviceID: id, promise: promise)
        let body: [UInt8] = payload == .null ? [] : Array(payload.text.utf8)
        link.send(.publish(Publish(topic: HubToDeviceTopic.methodRequest(name: name, requestID: requestID).topic, payload: body)))
        let timeout = eventLoop.scheduleTask(in: .seconds(Int64(max(5, min(300, timeoutSeconds))))) {
            let pending = self.methods.finish(hub: hubName, deviceID: id, requestID: requestID)
            pending?.fail(IoTHubError.gatewayTimeout("Timed out waiting for the response from device."))
        }
        return promise.futureResult.always { _ in timeout.cancel() }
    }

    /// Queues a C2D message (at most 50 per device) and delivers it if the device listens.
    public func sendCloudToDevice(hub: String, id: String, body: [UInt8], properties: [(key: String, value: String?)], ttlSeconds: Int64?) throws -> String {
        let (hubName, messageID): (String, String) = try self.withHub(hub) { state in
            guard state.devices[id] != nil else { throw IoTHubError.deviceNotFound(id) }
            let queued = try self.store.queued(hub: state.record.name, device: id)
            if queued.count >= Self.maximumQueueDepth {
                throw IoTHubError.deviceMaximumQueueDepthExceeded("Total number of messages on IotHub Device Queue exceeds the allowed limit")
            }
            let messageID = properties.first { $0.key == "$.mid" }?.value ?? UUID().uuidString.lowercased()
            let message = C2DMessage(
                sequence: 0, messageID: messageID, properties: properties.filter { $0.key != "$.mid" }, body: body,
                expiresAt: Int64(self.now().timeIntervalSince1970) + (ttlSeconds ?? Self.defaultTTL), deliveryCount: 0)
            _ = try self.store.enqueue(message, hub: state.record.name, device: id)
            return (state.record.name, messageID)
        }
        self.deliverQueued(hub: hubName, deviceID: id)
        return messageID
    }

    /// Delivers queued messages to a subscribed device; expired or over-delivered ones are dead-lettered. Each
    /// message is claimed on the connection before it is counted and sent, so concurrent calls never send one twice;
    /// a store failure stops the delivery (the messages stay queued) and is logged.
    public func deliverQueued(hub: String, deviceID: String) {
        guard let link = self.link(hub: hub, deviceID: deviceID, needing: .cloudToDevice) else { return }
        let metadata: Logger.Metadata = ["hub": "\(hub)", "device": "\(deviceID)"]
        let queued: [C2DMessage]
        do {
            queued = try self.store.queued(hub: hub, device: deviceID)
        } catch {
            return self.logger.error("C2D messages not delivered: \(error)", metadata: metadata)
        }
        let now = Int64(self.now().timeIntervalSince1970)
        for message in queued where !self.completions.withLock({ $0.contains(message.sequence) }) {
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
            guard let delivered, !self.completions.withLock({ $0.contains(message.sequence) }) else {
                link.release(message.sequence)
                continue
            }
            var bag: [(key: String, value: String?)] = [("$.mid", delivered.messageID), ("$.to", "/devices/\(deviceID)/messages/devicebound")]
            bag += delivered.properties
            let topic = HubToDeviceTopic.cloudToDevice(deviceID: deviceID, properties: PropertyBag(bag)).topic
            link.send(.publish(Publish(topic: topic, payload: delivered.body, qos: .atLeastOnce, packetID: packetID)))
        }
    }

    /// Marks a C2D message whose PUBACK came: no delivery sends it until ``completeCloudToDevice(sequence:)`` ends.
    public func beginCompletion(_ sequence: Int64) {
        self.completions.withLock { _ = $0.insert(sequence) }
    }

    /// The device's PUBACK for a C2D message: completed. A store failure is logged; the message stays queued and is
    /// delivered again (IoT Hub's at-least-once delivery). - Returns: whether the completion was stored.
    @discardableResult
    public func completeCloudToDevice(sequence: Int64) -> Bool {
        self.completions.withLock { _ = $0.insert(sequence) }
        defer { self.completions.withLock { _ = $0.remove(sequence) } }
        do {
            try self.store.removeMessage(sequence: sequence)
            return true
        } catch {
            self.logger.error("C2D completion not stored; the message will be delivered again: \(error)")
            return false
        }
    }

    public func purgeCloudToDevice(hub: String, id: String) throws -> Int {
        try self.withHub(hub) { state in
            guard state.devices[id] != nil else { throw IoTHubError.deviceNotFound(id) }
            return try self.store.purgeMessages(hub: state.record.name, device: id)
        }
    }
}
