import FirmwareConfig
import Foundation
import Logging
import Synchronization

extension AzureIoTHub {
    /// Mirrors `azure_iot_hub_send()`.
    /// - Returns: 0; `-ENOTCONN`; `-ENOMSG` for a topic type that cannot be sent; `-EMSGSIZE` when the properties
    ///   or the topic do not fit their buffers; or the MQTT helper's error.
    public func send(_ msg: AzureIoTHubMsg) -> Int32 {
        guard self.state == .connected else { return -Errno.ENOTCONN }
        let topic: String
        switch msg.topic.type {
        case .event:
            if !msg.topic.properties.isEmpty {
                let bag = msg.topic.properties.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
                guard bag.utf8.count < self.hub.messagePropertyBufferSize else {
                    self.logger.error("Failed to create properties for event message")
                    return -Errno.EMSGSIZE
                }
            }
            topic = AzureIoTHubClient.telemetryTopic(
                deviceID: self.deviceIDForTopics, properties: msg.topic.properties.map { ($0.key, $0.value) })
            guard topic.utf8.count <= self.hub.topicMaxLength else {
                self.logger.error("Failed to get telemetry publish topic")
                return -Errno.EMSGSIZE
            }
        case .twinReported, .twinRequest:
            let requestID = msg.requestID.isEmpty ? self.generatedRequestID() : msg.requestID
            topic = msg.topic.type == .twinRequest
                ? AzureIoTHubClient.twinGetTopic(requestID: requestID)
                : AzureIoTHubClient.twinPatchTopic(requestID: requestID)
        default:
            self.logger.error("Unsupported topic type: \(msg.topic.type.rawValue)")
            return -Errno.ENOMSG
        }
        let messageID = msg.messageID == 0 ? self.helper.messageIDGet() : msg.messageID
        return self.helper.publish(
            topic: topic, payload: msg.payload, qos: msg.qos, messageID: messageID, retain: msg.retainFlag)
    }

    /// Mirrors `azure_iot_hub_method_respond()`: QoS 0 to `$iothub/methods/res/{status}/?$rid={rid}`.
    /// - Returns: 0, `-ENOTCONN`, `-EFAULT` when the topic does not fit its 100-byte buffer, `-ENXIO` when the
    ///   publish fails.
    public func methodRespond(_ result: AzureIoTHubResult) -> Int32 {
        guard self.state == .connected else { return -Errno.ENOTCONN }
        let topic = AzureIoTHubClient.methodResponseTopic(status: result.status, requestID: result.requestID)
        guard topic.utf8.count < 100 else {
            self.logger.error("Failed to create method response topic")
            return -Errno.EFAULT
        }
        let err = self.helper.publish(
            topic: topic, payload: result.payload, qos: 0, messageID: self.helper.messageIDGet(), retain: false)
        guard err == 0 else {
            self.logger.error("Failed to send method response, error: \(err)")
            return -Errno.ENXIO
        }
        return 0
    }

    /// `request_id_create_and_get()`: the uptime in ms, cut to 3 characters unless fixed (Q1).
    func generatedRequestID() -> String {
        let uptime = String(UInt32(truncatingIfNeeded: self.uptime.milliseconds))
        let requestID = self.fixes.fullRequestID ? uptime : String(uptime.prefix(3))
        self.logger.debug("Request ID not specified, using \"\(requestID)\"")
        return requestID
    }
}
