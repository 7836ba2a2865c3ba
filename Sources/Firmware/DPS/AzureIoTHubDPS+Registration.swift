import FirmwareConfig
import Foundation
import Logging
import Synchronization

extension AzureIoTHubDPS {
    /// The MQTT helper callbacks of the DPS connection.
    func helperConfig() -> MQTTHelperConfig {
        var config = MQTTHelperConfig()
        config.onConnack = { [unowned self] returnCode, _ in
            guard returnCode == 0 else {
                self.logger.error("Connection was rejected with return code \(returnCode)")
                self.registrationCompleted(nil)
                return
            }
            self.logger.debug("MQTT mqtt_client connected")
            self.shared.withLock { self.move(&$0, to: .connected) }
            let err = self.helper.subscribe(
                topics: [AzureProvisioningClient.subscription], qos: 0, messageID: self.helper.messageIDGet())
            if err != 0 {
                self.logger.error("Failed to subscribe to topic list, error: \(err)")
                self.registrationCompleted(nil)
                return
            }
            self.armTimeout()
        }
        config.onSuback = { [unowned self] _, result in
            guard result == 0 else {
                self.registrationCompleted(nil)
                return
            }
            self.logger.debug("Subscribed to DPS topics, sending registration request")
            let err = self.helper.publish(
                topic: AzureProvisioningClient.registerTopic, payload: [], qos: 1,
                messageID: self.helper.messageIDGet(), retain: false)
            guard err == 0 else {
                self.logger.error("Failed to send registration request, error: \(err)")
                self.registrationCompleted(nil)
                return
            }
            self.report(.assigning)
            self.armTimeout()
        }
        config.onPuback = { [unowned self] _, _ in self.armTimeout() }
        config.onPublish = { [unowned self] topic, payload in
            self.armTimeout()
            self.onResponse(topic: topic, payload: payload)
        }
        config.onDisconnect = { [unowned self] result in
            self.logger.debug("DPS client disconnected, result: \(result)")
            let registrationOpen = self.shared.withLock { shared -> Bool in
                let open = shared.state == .connecting || shared.state == .connected
                if open { shared.timeoutGeneration += 1 }  // the failure is reported now, not by the timeout
                self.move(&shared, to: .disconnected)
                return open
            }
            _ = self.helper.deinitialize()
            // The link dropped while registering: the registration has failed.
            if registrationOpen { self.finish(nil) }
        }
        return config
    }

    private func onResponse(topic: String, payload: [UInt8]) {
        guard let response = AzureProvisioningClient.parseResponse(topic: topic, payload: payload) else {
            self.logger.warning("The incoming message was not a registration response message")
            self.registrationCompleted(nil)
            return
        }
        let retriable = response.status == 429 || response.status >= 500
        if response.status >= 300 && !retriable {
            self.logger.error("The registration request failed with a non-retriable error, status \(response.status)")
            self.logError(response)
            self.registrationCompleted(nil)
            return
        }
        if response.isOperationComplete && !retriable {
            self.registrationCompleted(response)
            return
        }
        guard response.operationID.utf8.count < self.configuration.operationIDBufferSize else {
            self.logger.error("Operation ID is too long for its buffer")
            self.registrationCompleted(nil)
            return
        }
        let retries = self.shared.withLock { shared -> Int in
            shared.operationID = response.operationID.isEmpty ? shared.operationID : response.operationID
            shared.retries += 1
            return shared.retries
        }
        guard retries <= Self.maximumStatusRetries else {
            self.logger.error("DPS retry max count (\(Self.maximumStatusRetries)) exceeded, disconnecting")
            self.registrationCompleted(nil)
            return
        }
        self.report(.assigning)
        let retryAfter = response.retryAfterSeconds == 0 ? Self.defaultRetryAfterSeconds : response.retryAfterSeconds
        self.logger.debug("Requesting device registration status in \(retryAfter) seconds")
        // As the C library, the MQTT helper thread sleeps through retry-after.
        Thread.sleep(forTimeInterval: Double(retryAfter))
        let operationID = self.shared.withLock { $0.operationID }
        let err = self.helper.publish(
            topic: AzureProvisioningClient.queryStatusTopic(operationID: operationID), payload: [], qos: 1,
            messageID: self.helper.messageIDGet(), retain: false)
        if err != 0 {
            self.logger.error("Failed to request registration status, error: \(err)")
            self.registrationCompleted(nil)
        }
    }

    /// `on_reg_completed()`: disconnect from DPS, then keep the assignment (or report the failure).
    func registrationCompleted(_ response: AzureProvisioningClient.RegisterResponse?) {
        self.shared.withLock { shared in
            shared.timeoutGeneration += 1
            self.move(&shared, to: .disconnecting)
        }
        if self.helper.disconnect() != 0 {
            self.shared.withLock { self.move(&$0, to: .disconnected) }
            _ = self.helper.deinitialize()
        }
        self.finish(response)
    }

    private func finish(_ response: AzureProvisioningClient.RegisterResponse?) {
        guard let response else {
            self.report(.failed)
            return
        }
        guard response.operationStatus == "assigned", let hub = response.assignedHub, let device = response.deviceID else {
            self.logger.error("Registration failed, status: \(response.operationStatus)")
            self.logError(response)
            self.report(.failed)
            return
        }
        let hostname = String(hub.prefix(self.configuration.hostnameMaxLength - 1))
        let deviceID = String(device.prefix(self.configuration.deviceIDMaxLength - 1))
        self.logger.debug("Device ID \(deviceID) assigned to IoT Hub \(hostname)")
        do {
            try self.settings.save("\(Self.settingsSubtree)/hostname_len", String(hostname.utf8.count))
            try self.settings.save("\(Self.settingsSubtree)/hostname", hostname)
            try self.settings.save("\(Self.settingsSubtree)/device_id_len", String(deviceID.utf8.count))
            try self.settings.save("\(Self.settingsSubtree)/device_id", deviceID)
        } catch {
            self.logger.error("Failed to save the assignment: \(error)")
        }
        self.shared.withLock { shared in
            shared.hostname = hostname
            shared.deviceID = deviceID
        }
        self.report(.assigned)
    }

    private func logError(_ response: AzureProvisioningClient.RegisterResponse) {
        self.logger.error("Extended error code: \(response.errorCode.map(String.init) ?? "none")")
        self.logger.error("Error message: \(response.errorMessage ?? "")")
        self.logger.error("Tracking ID: \(response.trackingID ?? "")")
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
        self.systemWorkQueue.queue.asyncAfter(deadline: .now() + seconds) { [self] in
            guard self.shared.withLock({ $0.timeoutGeneration == generation }) else { return }
            self.logger.error("A timeout occurred, the registration process is terminated")
            self.registrationCompleted(nil)
        }
    }
}
