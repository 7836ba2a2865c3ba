import Logging
import IoTHubTopics
import JSON
import MQTTCodec
import NIOCore

/// Direct methods: the service's call (`POST /twins/{id}/methods`) and the device's answer.
extension HubCore {
    /// `POST /twins/{id}/methods` ("Understand and invoke direct methods from IoT Hub",
    /// learn.microsoft.com/azure/iot-hub/iot-hub-devguide-direct-methods): a device that is not connected and
    /// subscribed to methods fails the call with 404103 DeviceNotOnline at once when `connectTimeoutSeconds` is 0
    /// (the default), else once it has not connected and subscribed within that many seconds (at most 300); a
    /// device that does not answer within `responseTimeoutSeconds` (5 to 300) fails it with 504101 GatewayTimeout.
    public func invokeMethod(
        hub: String, id: String, name: String, payload: JSONValue, timeoutSeconds: Int, connectTimeoutSeconds: Int = 0,
        on eventLoop: any EventLoop
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
        let request = { @Sendable () -> EventLoopFuture<(Int, JSONValue)> in
            guard let link = self.link(hub: hubName, deviceID: id, needing: .methods) else {
                return eventLoop.makeFailedFuture(IoTHubError.deviceNotOnline("Timed out waiting for device to connect."))
            }
            return self.call(link, hub: hubName, id: id, name: name, payload: payload, timeoutSeconds: timeoutSeconds, on: eventLoop)
        }
        let connectTimeout = max(0, min(300, connectTimeoutSeconds))
        guard connectTimeout > 0, self.link(hub: hubName, deviceID: id, needing: .methods) == nil else { return request() }
        // Waits for the device's method subscription; checked again once waiting, so that one taken meanwhile counts.
        let arrival = eventLoop.makePromise(of: Void.self)
        let token = self.methodArrivals.wait(hub: hubName, deviceID: id, promise: arrival)
        if self.link(hub: hubName, deviceID: id, needing: .methods) != nil {
            self.methodArrivals.cancel(hub: hubName, deviceID: id, token: token)?.succeed()
        }
        let deadline = eventLoop.scheduleTask(in: self.serviceDelay(seconds: connectTimeout)) {
            self.methodArrivals.cancel(hub: hubName, deviceID: id, token: token)?
                .fail(IoTHubError.deviceNotOnline("Timed out waiting for device to connect."))
        }
        return arrival.futureResult.always { _ in deadline.cancel() }.flatMap { request() }
    }

    /// Sends the method request to `link` and waits up to `timeoutSeconds` (5 to 300) for its answer.
    private func call(
        _ link: any DeviceLink, hub hubName: String, id: String, name: String, payload: JSONValue, timeoutSeconds: Int,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<(Int, JSONValue)> {
        let promise = eventLoop.makePromise(of: (Int, JSONValue).self)
        let requestID = self.methods.begin(hub: hubName, deviceID: id, promise: promise)
        let body: [UInt8] = payload == .null ? [] : Array(payload.text.utf8)
        link.send(.publish(Publish(topic: HubToDeviceTopic.methodRequest(name: name, requestID: requestID).topic, payload: body)))
        let timeout = eventLoop.scheduleTask(in: self.serviceDelay(seconds: max(5, min(300, timeoutSeconds)))) {
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
