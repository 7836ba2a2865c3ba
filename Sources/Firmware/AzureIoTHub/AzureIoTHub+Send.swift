import FirmwareConfig
import Foundation
import Logging
import Synchronization

extension AzureIoTHub {
    /// `AZ_ERROR_NOT_ENOUGH_SPACE` (azure-sdk-for-c `az_result.h`: `_az_RESULT_MAKE_ERROR(_az_FACILITY_CORE, 2)`).
    static let azErrorNotEnoughSpace = Int32(bitPattern: 0x8001_0002)

    /// Mirrors `azure_iot_hub_send()` (azure_iot_hub.c:921-1062).
    /// - Returns: 0; `-ENOTCONN`; `-ENOMSG` for a topic type that cannot be sent; `-EMSGSIZE` when the properties
    ///   or the telemetry topic do not fit their buffers; `-EFAULT` when a twin topic does not; or the MQTT helper's
    ///   error.
    public func send(_ msg: AzureIoTHubMsg) -> Int32 {
        // azure_iot_hub.c:931-938: the publish parameters, with the message id mqtt_helper_msg_id_get() gives when
        // the message has none, are set up before the state check, so a refused message still uses up an id.
        let messageID = msg.messageID == 0 ? self.helper.messageIDGet() : msg.messageID
        guard self.state == .connected else {
            self.logger.warning("Azure IoT Hub is not connected")
            return -Errno.ENOTCONN
        }
        // The topic buffer is CONFIG_AZURE_IOT_HUB_TOPIC_MAX_LEN + 1 bytes and the Azure SDK writes a NUL after it.
        let topic: String
        switch msg.topic.type {
        case .event:
            if !msg.topic.properties.isEmpty {
                self.logger.debug("Message property count: \(msg.topic.properties.count)")
                // az_iot_message_properties_append() needs `k=v` (and `&` after the first) to fit in
                // CONFIG_AZURE_IOT_HUB_MSG_PROPERTY_BUFFER_SIZE bytes, without a NUL.
                var written = 0
                for property in msg.topic.properties {
                    let required = property.key.utf8.count + property.value.utf8.count + 1 + (written > 0 ? 1 : 0)
                    guard written + required <= self.hub.messagePropertyBufferSize else {
                        self.logger.warning("az_iot_message_properties_append failed, az err: \(Self.azErrorNotEnoughSpace)")
                        self.logger.error("Failed to add properties, az error: \(Self.azErrorNotEnoughSpace)")
                        return -Errno.EMSGSIZE
                    }
                    written += required
                }
            }
            topic = AzureIoTHubClient.telemetryTopic(
                deviceID: self.deviceIDForTopics, properties: msg.topic.properties.map { ($0.key, $0.value) })
            guard topic.utf8.count <= self.hub.topicMaxLength else {
                self.logger.error(
                    "Failed to get telemetry topic, az error: 0x\(String(UInt32(bitPattern: Self.azErrorNotEnoughSpace), radix: 16))")
                self.logger.debug("Too small topic buffer")
                return -Errno.EMSGSIZE
            }
        case .twinReported:
            topic = AzureIoTHubClient.twinPatchTopic(requestID: msg.requestID.isEmpty ? self.generatedRequestID() : msg.requestID)
            guard topic.utf8.count <= self.hub.topicMaxLength else {
                self.logger.error("Failed to get twin patch topic, az error: \(Self.azErrorNotEnoughSpace)")
                return -Errno.EFAULT
            }
        case .twinRequest:
            topic = AzureIoTHubClient.twinGetTopic(requestID: msg.requestID.isEmpty ? self.generatedRequestID() : msg.requestID)
            guard topic.utf8.count <= self.hub.topicMaxLength else {
                self.logger.error("Failed to create get twin topic, az error: \(Self.azErrorNotEnoughSpace)")
                return -Errno.EFAULT
            }
        default:
            self.logger.error("No topic specified")
            return -Errno.ENOMSG
        }
        return self.helper.publish(
            topic: topic, payload: msg.payload, qos: msg.qos, messageID: messageID, retain: msg.retainFlag)
    }

    /// Mirrors `azure_iot_hub_method_respond()` (azure_iot_hub.c:1090-1136): QoS 0 to
    /// `$iothub/methods/res/{status}/?$rid={rid}`.
    /// - Returns: 0, `-ENOTCONN`, `-EFAULT` when the topic does not fit its 100-byte buffer (NUL included), `-ENXIO`
    ///   when the publish fails.
    public func methodRespond(_ result: AzureIoTHubResult) -> Int32 {
        // azure_iot_hub.c:1100-1105: the message id is taken before the state check, as in send().
        let messageID = self.helper.messageIDGet()
        guard self.state == .connected else {
            self.logger.warning("Azure IoT Hub is not connected")
            return -Errno.ENOTCONN
        }
        let topic = AzureIoTHubClient.methodResponseTopic(status: result.status, requestID: result.requestID)
        guard topic.utf8.count < 100 else {
            self.logger.error("Failed to get method response topic, az error: \(Self.azErrorNotEnoughSpace)")
            return -Errno.EFAULT
        }
        self.logger.debug("Publishing to topic: \(topic)")
        let err = self.helper.publish(topic: topic, payload: result.payload, qos: 0, messageID: messageID, retain: false)
        guard err == 0 else {
            self.logger.error("mqtt_helper_publish() failed with error: \(err)")
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
