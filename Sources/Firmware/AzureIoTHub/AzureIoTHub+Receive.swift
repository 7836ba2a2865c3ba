import FirmwareConfig
import Foundation
import Logging
import Synchronization

extension AzureIoTHub {
    /// The MQTT helper callbacks of the hub connection (`on_connack`, `on_publish`, … in azure_iot_hub.c).
    func helperConfig() -> MQTTHelperConfig {
        var config = MQTTHelperConfig()
        config.onConnack = { [weak self] returnCode, _ in self?.onConnack(returnCode) }
        config.onDisconnect = { [weak self] result in
            guard let self else { return }
            self.logger.warning("DISCONNECT, result: \(result)")
            self.setState(.disconnected)
            self.emit(AzureIoTHubEvent(type: .disconnected))
        }
        config.onPublish = { [weak self] topic, payload in self?.onPublish(topic: topic, payload: payload) }
        config.onPuback = { [weak self] messageID, _ in
            guard let self else { return }
            self.emit(AzureIoTHubEvent(type: .puback, data: .messageID(messageID)))
        }
        config.onSuback = { [weak self] messageID, result in self?.onSuback(messageID, result: result) }
        config.onPingresp = { [weak self] in self?.emit(AzureIoTHubEvent(type: .pingresp)) }
        config.onError = { [weak self] _ in self?.emit(AzureIoTHubEvent(type: .errorMessageSize)) }
        return config
    }

    private func onConnack(_ returnCode: Int32) {
        guard returnCode == 0 else {
            self.logger.error("Connection was rejected with return code \(returnCode)")
            self.logger.warning("Is the device certificate valid?")
            self.setState(.disconnected)
            self.emit(AzureIoTHubEvent(type: .connectionFailed, data: .err(returnCode)))
            return
        }
        self.logger.debug("MQTT mqtt_client connected")
        let err = self.helper.subscribe(
            topics: AzureIoTHubClient.subscriptions, qos: 0, messageID: self.helper.messageIDGet())
        // topic_subscribe() (azure_iot_hub.c:191-194) and on_connack() (:484-487) both say it.
        if err != 0 {
            self.logger.error("Failed to subscribe to topic list, error: \(err)")
            self.logger.error("Failed to subscribe to topics, err: \(err)")
        }
        self.setState(.connected)
        self.emit(AzureIoTHubEvent(type: .connected))
    }

    /// `on_suback()`: READY whatever the SUBACK's result (upstream does not look at it), then the twin request.
    private func onSuback(_ messageID: UInt16, result: Int32) {
        self.emit(AzureIoTHubEvent(type: .ready))
        guard self.hub.autoDeviceTwinRequest || self.fota != nil else { return }
        let err = self.send(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .twinRequest), payload: []))
        // device_twin_request()
        if err != 0 {
            self.logger.error("Failed to send device twin request, error: \(err)")
        } else {
            self.logger.debug("Device twin requested")
        }
    }

    /// `on_publish()`: C2D, then methods, then twin; anything else is dropped (Q6).
    func onPublish(topic: String, payload: [UInt8]) {
        self.logger.debug("Received MQTT message on topic: \(topic)")
        if let bag = AzureIoTHubClient.parseCloudToDevice(topic) {
            self.emit(
                AzureIoTHubEvent(
                    type: .dataReceived,
                    data: .msg(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .deviceBound), payload: payload)),
                    topic: AzureIoTHubTopicData(type: .deviceBound, name: topic, properties: self.properties(bag))))
            return
        }
        if let method = AzureIoTHubClient.parseMethod(topic) {
            // direct_method_process() (azure_iot_hub.c:284-320).
            guard !method.name.isEmpty else {
                self.logger.warning("No direct method name, event will not be notified")
                self.logger.warning("Unhandled direct method invocation")
                return
            }
            guard !method.requestID.isEmpty else {
                self.logger.warning("No request ID, direct method processing aborted")
                self.logger.warning("Unhandled direct method invocation")
                return
            }
            self.logger.debug("Direct method name: \(method.name)")
            self.logger.debug("Direct method request ID: \(method.requestID)")
            // Its own event, whose topic has only a name (azure_iot_hub.c:288-294): the type is 0, DEVICEBOUND.
            self.emit(
                AzureIoTHubEvent(
                    type: .directMethod,
                    data: .method(AzureIoTHubMethod(name: method.name, requestID: method.requestID, payload: payload)),
                    topic: AzureIoTHubTopicData(type: .deviceBound, name: topic)))
            self.logger.debug("Direct method processed")
            return
        }
        if let twin = AzureIoTHubClient.parseTwin(topic) {
            self.onTwin(twin, topic: topic, payload: payload)
            return
        }
        self.logger.error("Unrecognized topic: \(topic)")
    }

    private func onTwin(_ twin: AzureIoTHubClient.TwinResponse, topic: String, payload: [UInt8]) {
        switch twin {
        case .desiredPatch:
            self.logger.debug("Device twin desired properties received")
            if let err = self.fota?.msgProcess(payload) {
                // azure_iot_hub.c:433-439.
                if err < 0 {
                    self.logger.error("Failed to process FOTA message")
                } else if err == 1 {
                    self.logger.debug("Device twin update handled (FOTA)")
                }
            }
            self.emit(
                AzureIoTHubEvent(
                    type: .twinDesiredReceived,
                    data: .msg(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .twinDesired), payload: payload)),
                    topic: AzureIoTHubTopicData(type: .twinDesired, name: topic)))
        case .response(let status, let requestID, _):
            // device_twin_result_process() (azure_iot_hub.c:203-265) makes its own event with only the topic name
            // and data.msg.payload set: the topic type is 0, DEVICEBOUND, for every twin response event.
            let topicData = AzureIoTHubTopicData(type: .deviceBound, name: topic)
            switch status {
            case 200:
                self.logger.debug("Device twin received, request ID: \(requestID)")
                if let err = self.fota?.msgProcess(payload) {
                    // azure_iot_hub.c:219-225.
                    if err < 0 {
                        self.logger.error("Failed to process FOTA msg")
                    } else if err == 1 {
                        self.logger.debug("FOTA message handled")
                    }
                }
                self.emit(
                    AzureIoTHubEvent(
                        type: .twinReceived,
                        data: .msg(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .deviceBound), payload: payload)),
                        topic: topicData))
            case 202, 204:
                self.emit(
                    AzureIoTHubEvent(
                        type: .twinResultSuccess,
                        data: .result(AzureIoTHubResult(requestID: requestID, status: status, payload: payload)),
                        topic: topicData))
            default:
                let known: Set<UInt32> = [400, 401, 403, 404, 405, 409, 412, 413, 415, 429, 499, 500, 502, 503, 504]
                if known.contains(status) {
                    self.logger.debug("Failed twin request, status code: \(status)")
                } else {
                    self.logger.error("Unrecognized status code: \(status)")
                }
                // Q4: the C code sets only data.msg.payload; data.result then reads as an empty id and status 0.
                let result = self.fixes.twinResultFailData
                    ? AzureIoTHubResult(requestID: requestID, status: status, payload: payload)
                    : AzureIoTHubResult(requestID: "", status: 0, payload: payload)
                self.emit(AzureIoTHubEvent(type: .twinResultFail, data: .result(result), topic: topicData))
            }
        }
    }

    /// C2D properties: split on `&` and `=`, not URL-decoded, at most `..._PROPERTY_RECV_MAX_COUNT` (Q7).
    private func properties(_ bag: String) -> [AzureIoTHubProperty] {
        var properties: [AzureIoTHubProperty] = []
        for pair in bag.split(separator: "&", omittingEmptySubsequences: true) {
            guard properties.count < self.hub.messagePropertyReceiveMaxCount else {
                self.logger.warning("Not enough space to store copy all properties")
                break
            }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            properties.append(AzureIoTHubProperty(key: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : ""))
        }
        return properties
    }
}
