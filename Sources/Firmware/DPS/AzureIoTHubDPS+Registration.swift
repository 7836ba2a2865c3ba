import FirmwareConfig
import Foundation
import Logging
import SimCore
import Synchronization

extension AzureIoTHubDPS {
    /// The MQTT helper callbacks of the DPS connection (`on_connack()`, `on_suback()`, `on_puback()`, `on_publish()`
    /// and `on_disconnect()` in nrfconnect/sdk-nrf v2.9.0 `subsys/net/lib/azure_iot_hub/src/azure_iot_hub_dps.c`).
    func helperConfig() -> MQTTHelperConfig {
        var config = MQTTHelperConfig()
        config.onConnack = { [weak self] returnCode, _ in
            guard let self else { return }
            guard returnCode == 0 else {
                self.logger.error("Connection was rejected with return code \(returnCode)")
                self.logger.warning("Is the device certificate valid?")
                self.registrationCompleted(nil)
                return
            }
            self.shared.withLock { self.move(&$0, to: .connected) }
            self.logger.debug("MQTT connected")
            let topic = AzureProvisioningClient.subscription
            self.logger.debug("Subscribing to: \(topic)")
            let err = self.helper.subscribe(topics: [topic], qos: 0, messageID: self.helper.messageIDGet())
            if err != 0 {
                self.logger.error("Failed to subscribe to topic list, error: \(err)")
                self.logger.error("Failed to subscribe to topics, err: \(err)")
                self.registrationCompleted(nil)
                return
            }
            self.logger.debug("Successfully subscribed to DPS topics")
            self.armTimeout()
        }
        // As upstream, the SUBACK's result is not looked at: the registration request goes out even when the
        // subscription was refused (and its answer then never arrives; the timeout ends the registration).
        config.onSuback = { [weak self] _, _ in
            guard let self else { return }
            // dps_send_reg_request(): the topic is built in a CONFIG_AZURE_IOT_HUB_DPS_TOPIC_BUFFER_SIZE buffer.
            let topic = AzureProvisioningClient.registerTopic
            let err: Int32
            if let failure = self.topicBufferFailure(topic) {
                self.logger.error("Failed to get registration topic, error: \(failure)")
                err = -Errno.EMSGSIZE
            } else {
                self.logger.debug("Topic buffer size is \(self.configuration.topicBufferSize), actual topic size is: \(topic.utf8.count)")
                self.logger.debug("Publishing to DPS registration topic: \(topic), no payload")
                err = self.helper.publish(topic: topic, payload: [], qos: 1, messageID: self.helper.messageIDGet(), retain: false)
            }
            guard err == 0 else {
                self.logger.error("Failed to send DPS registration request, error: \(err)")
                self.registrationCompleted(nil)
                return
            }
            self.report(.assigning)
            self.armTimeout()
        }
        config.onPuback = { [weak self] _, _ in self?.armTimeout() }
        config.onPublish = { [weak self] topic, payload in
            guard let self else { return }
            self.armTimeout()
            self.onResponse(topic: topic, payload: payload)
        }
        // Upstream reports nothing when the connection drops: a registration in progress fails only when its
        // timeout (CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC) runs out.
        config.onDisconnect = { [weak self] _ in
            guard let self else { return }
            self.shared.withLock { self.move(&$0, to: .disconnected) }
            _ = self.helper.deinitialize()
        }
        return config
    }

    /// Mirrors `handle_reg_update()`.
    private func onResponse(topic: String, payload: [UInt8]) {
        guard let response = AzureProvisioningClient.parseResponse(topic: topic, payload: payload) else {
            self.logger.warning("The incoming message was not a registration response message")
            self.registrationCompleted(nil)
            return
        }
        self.logger.debug("DPS registration request response received")
        self.logger.debug("Status code is \(response.status)")
        // az_iot_status_succeeded(): below 400; az_iot_status_retriable(): 429 (throttled) or 500 (server error).
        let succeeded = response.status < 400
        let retriable = response.status == 429 || response.status == 500
        if !succeeded && !retriable {
            self.logger.warning("The status code \(response.status) indicates a non-retriable error")
            self.registrationCompleted(response)
            return
        }
        if response.isOperationComplete {
            self.registrationCompleted(response)
            return
        }
        self.shared.withLock { $0.status = .assigning }
        var retryAfter = response.retryAfterSeconds
        if retryAfter == 0 {
            self.logger.debug("No retry time found, using default value of \(Self.defaultRetryAfterSeconds)")
            retryAfter = Self.defaultRetryAfterSeconds
        } else {
            self.logger.debug("Received retry value: \(retryAfter)")
        }
        if response.operationID.utf8.count > self.configuration.operationIDBufferSize {
            self.logger.error("Operation ID is too large for the buffer, aborting DPS registration")
            self.registrationCompleted(response)
            return
        }
        self.shared.withLock { $0.operationID = response.operationID }
        self.logger.debug("Operation ID: \(response.operationID)")
        self.report(.assigning)
        // As the C library, the MQTT helper thread sleeps through retry-after (`k_sleep()`: kernel time).
        Thread.sleep(forTimeInterval: self.systemWorkQueue.scale.realSeconds(Double(retryAfter)))
        self.statusRequestSend()
    }

    /// Mirrors `reg_status_request_send()`.
    private func statusRequestSend() {
        let (retries, operationID) = self.shared.withLock { shared -> (Int, String) in
            shared.retries += 1
            return (shared.retries, shared.operationID)
        }
        guard retries <= Self.maximumStatusRetries else {
            self.logger.error("DPS retry max count (\(Self.maximumStatusRetries)) exceeded, disconnecting")
            self.registrationCompleted(nil)
            return
        }
        let topic = AzureProvisioningClient.queryStatusTopic(operationID: operationID)
        if let failure = self.topicBufferFailure(topic) {
            self.logger.error("Failed to get status query topic, az error: \(failure)")
            self.registrationCompleted(nil)
            return
        }
        self.logger.debug("Status query topic: \(topic)")
        self.logger.debug("Requesting DPS status update")
        let err = self.helper.publish(topic: topic, payload: [], qos: 1, messageID: self.helper.messageIDGet(), retain: false)
        if err != 0 {
            self.logger.error("Failed to send status request, err: \(err)")
            self.registrationCompleted(nil)
        }
    }

    /// Mirrors `on_reg_completed()`: disconnect from DPS, then keep the assignment or report the failure. `response`
    /// is nil when the failure is not in a response.
    func registrationCompleted(_ response: AzureProvisioningClient.RegisterResponse?) {
        self.shared.withLock { shared in
            shared.timeoutGeneration += 1  // timeout_work_stop()
            if shared.state != .disconnected && shared.state != .disconnecting { self.move(&shared, to: .disconnecting) }
        }
        let err = self.helper.disconnect()
        if err != 0 {
            self.logger.error("Failed to disconnect gracefully, error: \(err)")
            self.shared.withLock { self.move(&$0, to: .disconnected) }
            _ = self.helper.deinitialize()
        }
        guard let response else {
            self.logger.error("There was a failure during DPS registration, process is stopped")
            self.report(.failed)
            return
        }
        guard self.isAssigned(response), let hub = response.assignedHub, let device = response.deviceID else {
            self.logger.error("The registration was not successful, no IoT Hub was assigned")
            self.report(.failed)
            return
        }
        let hostname = String(hub.prefix(self.configuration.hostnameMaxLength - 1))
        let deviceID = String(device.prefix(self.configuration.deviceIDMaxLength - 1))
        do {
            try self.settings.save("\(Self.settingsSubtree)/hostname_len", String(hostname.utf8.count))
            try self.settings.save("\(Self.settingsSubtree)/hostname", hostname)
        } catch {
            self.logger.error("Failed to save hostname to flash, error: \(error)")
        }
        do {
            try self.settings.save("\(Self.settingsSubtree)/device_id_len", String(deviceID.utf8.count))
            try self.settings.save("\(Self.settingsSubtree)/device_id", deviceID)
        } catch {
            self.logger.error("Failed to save device ID to flash, error: \(error)")
        }
        let registrationID = self.shared.withLock { shared -> String in
            shared.hostname = hostname
            shared.deviceID = deviceID
            return shared.registrationID
        }
        self.logger.debug("Device ID \(registrationID) is now registered to \(hostname)")
        self.report(.assigned)
    }

    /// The Azure SDK for C's result when `topic` and its terminating NUL do not fit the topic buffer
    /// (`AZ_ERROR_NOT_ENOUGH_SPACE`, `_az_RESULT_MAKE_ERROR(_az_FACILITY_CORE, 2)` in `sdk/inc/azure/core/az_result.h`),
    /// or nil when it fits.
    private func topicBufferFailure(_ topic: String) -> Int32? {
        topic.utf8.count + 1 > self.configuration.topicBufferSize ? Int32(bitPattern: AzureSDKResult.notEnoughSpace) : nil
    }

    /// Mirrors `dps_is_assigned()`: the details of a failed registration are logged at debug level only.
    private func isAssigned(_ response: AzureProvisioningClient.RegisterResponse) -> Bool {
        guard response.operationStatus != "assigned" else { return true }
        self.logger.error("The device was not assigned to hub")
        self.logger.debug("Registration state: \(response.operationStatus)")
        self.logger.debug("Operation status: \(response.status)")
        self.logger.debug("Extended error code: \(response.errorCode.map(String.init) ?? "0")")
        self.logger.debug("Error message: \(response.errorMessage ?? "") ")
        self.logger.debug("Error tracking ID: \(response.trackingID ?? "")")
        return false
    }

    private func report(_ status: AzureIoTHubDPSRegStatus) {
        let handler = self.shared.withLock { shared -> (@Sendable (AzureIoTHubDPSRegStatus) -> Void)? in
            shared.status = status
            return shared.handler
        }
        handler?(status)
    }

    /// (Re)arms the inactivity timeout on the system work queue.
    func armTimeout() {
        let generation = self.shared.withLock { shared -> Int in
            shared.timeoutGeneration += 1
            return shared.timeoutGeneration
        }
        let seconds = Double(self.configuration.timeoutSeconds)
        self.systemWorkQueue.submit(after: seconds) { [self] in
            guard self.shared.withLock({ $0.timeoutGeneration == generation }) else { return }
            self.logger.error("A timeout occurred, the registration process is terminated")
            self.registrationCompleted(nil)
        }
    }
}
