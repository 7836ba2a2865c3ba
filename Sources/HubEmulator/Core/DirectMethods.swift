import Logging
import IoTHubTopics
import JSON
import MQTTCodec
import NIOCore

/// Direct methods: the service's call (`POST /twins/{id}/methods`) and the device's answer.
extension HubCore {
    /// `POST /twins/{id}/methods`: 404 when the device is offline or not subscribed, 504 after the timeout.
    public func invokeMethod(
        hub: String, id: String, name: String, payload: JSONValue, timeoutSeconds: Int, on eventLoop: any EventLoop
    ) -> EventLoopFuture<(Int, JSONValue)> {
        let hubName: String
        do {
            hubName = try self.registry.read(hub) { entry in
                guard entry.devices[id] != nil else { throw IoTHubError.deviceNotFound(id) }
                return entry.record.name
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

    /// A device's answer to a direct method.
    public func methodResponse(identity: DeviceSessionIdentity, requestID: String, status: Int, payload: [UInt8]) {
        let promise = self.methods.finish(hub: identity.hub, deviceID: identity.deviceID, requestID: requestID)
        guard let promise else {
            self.logger.info("late or unknown method response dropped", metadata: ["device": "\(identity.deviceID)", "rid": "\(requestID)"])
            return
        }
        let body = payload.isEmpty ? JSONValue.null : ((try? JSONValue.parse(payload, limits: self.jsonLimits)) ?? .string(String(decoding: payload, as: UTF8.self)))
        promise.succeed((status, body))
    }
}
