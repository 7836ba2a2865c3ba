import Logging
import IoTHubTopics
import JSON
import MQTTCodec
import NIOCore

/// A device's PUBLISH over the SKU's throttles or quota (``HubThrottles``), refused as IoT Hub refuses it over
/// MQTT: a twin request gets its response with the error's status (429 or 403) and IoT Hub's error body; telemetry
/// ends the connection, unacknowledged (the hub closes it; "IoT Hub quotas and throttling",
/// learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling).
extension DeviceConnectionHandler {
    /// Whether `publish` was refused (and answered, or its connection closed).
    func refuseOverLimit(context: ChannelHandlerContext, _ publish: Publish, _ topic: DeviceToHubTopic, identity: DeviceSessionIdentity) -> Bool {
        guard let refusal = self.core.refusal(of: topic, payloadBytes: publish.payload.count, identity: identity) else { return false }
        switch topic {
        case .twinGet(let requestID), .twinReportedPatch(let requestID):
            if publish.qos == .atLeastOnce, let packetID = publish.packetID { self.io.writePubAck(context: context, packetID: packetID) }
            let body = JSONValue.object(JSONObject([("errorCode", .integer(Int64(refusal.code))), ("message", .string(refusal.message))]))
            self.io.write(context: context, .publish(Publish(
                topic: HubToDeviceTopic.twinResponse(status: refusal.status, requestID: requestID, version: nil).topic,
                payload: Array(body.text.utf8))))
        case .telemetry, .methodResponse:
            self.logger.info("device over its hub's limits: connection closed", metadata: [
                "device": "\(identity.deviceID)", "code": "\(refusal.code)",
            ])
            context.close(promise: nil)
        }
        return true
    }
}
