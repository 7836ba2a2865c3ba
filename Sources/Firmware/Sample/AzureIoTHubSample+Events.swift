import FirmwareConfig
import Foundation
import Logging
import Synchronization

extension AzureIoTHubSample {
    /// `azure_event_handler()`: runs on the MQTT helper thread.
    func handleEvent(_ event: AzureIoTHubEvent) {
        guard !self.halted.isSet else { return }
        switch event.type {
        case .connecting, .fotaStart, .fotaErasePending, .fotaEraseDone, .error:
            self.logger.info("\(event.type.name)")
        case .connected:
            self.logger.info("\(event.type.name)")
            self.reconnect.withLock { $0?.reset() }
        case .disconnected:
            self.logger.info("\(event.type.name)")
            self.scheduleReconnect()
        case .connectionFailed:
            self.logger.info("\(event.type.name)")
            if case .err(let code) = event.data { self.logger.info("Error code received from IoT Hub: \(code)") }
            self.scheduleReconnect()
        case .ready:
            self.logger.info("\(event.type.name)")
            // boot_write_img_confirmed(): a test image that got this far keeps running.
            do {
                try self.bootloader?.confirm()
            } catch {
                // main.c:202 ignores boot_write_img_confirmed()'s result; nrfsim says why at debug level.
                self.logger.debug("boot_write_img_confirmed() failed: \(error)")
            }
            self.sendEventWork.withLock { $0 }?.reschedule(seconds: 0)
        case .dataReceived:
            self.logger.info("\(event.type.name)")
            self.logger.info("Received payload: \(String(decoding: event.payload, as: UTF8.self))")
            // Not in the sample (main.c:215-219): the message's properties, one line each, with
            // CONFIG_SIM_SAMPLE_LOG_C2D_PROPERTIES.
            if self.configuration.sample.logC2DProperties {
                for property in event.topic.properties {
                    self.logger.info("Property: \(property.key) = \(property.value)")
                }
            }
        case .twinReceived:
            self.logger.info("\(event.type.name)")
            self.applyInterval(self.eventIntervalGet(event.payload))
        case .twinDesiredReceived:
            self.logger.info("\(event.type.name)")
            self.desiredReceived(event.payload)
        case .directMethod:
            self.logger.info("\(event.type.name)")
            guard case .method(let method) = event.data else { return }
            self.logger.info("Method name: \(method.name)")
            self.logger.info("Payload: \(String(decoding: method.payload, as: UTF8.self))")
            // The sample copies into fixed buffers: request id 8, name 32, payload 200 bytes (NUL included).
            let copy = AzureIoTHubMethod(
                name: String(method.name.prefix(31)), requestID: String(method.requestID.prefix(7)),
                payload: Array(method.payload.prefix(199)))
            self.workQueue.submit { [weak self] in self?.directMethod(copy) }
        case .twinResultSuccess:
            if case .result(let result) = event.data {
                self.logger.info("\(event.type.name), ID: \(result.requestID)")
            }
        case .twinResultFail:
            if case .result(let result) = event.data {
                self.logger.info("\(event.type.name), ID \(result.requestID), status \(result.status)")
            }
        case .puback:
            self.logger.info("\(event.type.name)")
        case .fotaDone:
            self.logger.info("\(event.type.name)")
            self.logger.info("The device will reboot in 5 seconds to apply update")
            // main.c:251: reboot_work, on the application work queue.
            self.workQueue.submit(after: 5) { [reboot = self.reboot] in reboot() }
        case .fotaError:
            self.logger.error("\(event.type.name): FOTA failed")
        case .pingresp, .errorMessageSize:
            // The sample has no case for these.
            self.logger.error("Unknown Azure IoT Hub event type: \(event.type.rawValue)")
        }
    }

    /// `send_event()` on the application work queue.
    func sendEvent() {
        guard !self.halted.isSet else { return }
        let uptime = self.uptime.milliseconds
        let json = SampleJSON.telemetry(uptimeMilliseconds: uptime)
        self.logger.info("Sending event:\(json)")
        let err = self.hub.send(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .event), payload: Array(json.utf8)))
        if err != 0 {
            self.logger.error("Failed to send event")
        } else {
            self.logger.info("Event was successfully sent")
        }
        let interval = self.eventInterval.withLock { $0 }
        guard interval > 0 else {
            self.logger.error("The event reporting stops, interval is set to \(interval)")
            return
        }
        self.logger.info("Next event will be sent in \(interval) seconds")
        self.sendEventWork.withLock { $0 }?.reschedule(seconds: Double(interval))
    }

    /// Mirrors `event_interval_get()` (main.c:73-122): the interval read from a twin document, or -1. It gives
    /// `recv_buf_sem` back, except when the document is not JSON (main.c:80-81 return before `clean_exit`, so the
    /// next desired patches find the buffer busy).
    func eventIntervalGet(_ payload: [UInt8]) -> Int32 {
        let parsed = SampleJSON.eventInterval(payload)
        if parsed.field == .notJSON {
            self.logger.error("Could not parse properties object")
            return -1
        }
        defer { self.receiveBufferFree.give() }
        if parsed.rootIsDesired {
            self.logger.debug("Incoming device twin document contains only the 'desired' object")
        }
        switch parsed.field {
        case .value(let interval):
            return interval
        case .absent:
            self.logger.debug("No 'telemetryInterval' object found in the device twin document")
        case .invalidFormat:
            self.logger.warning("Invalid telemetry interval format received")
        case .notJSON:
            break
        }
        return -1
    }

    /// Mirrors `event_interval_apply()` (main.c:124-132): an interval of 0 or less is ignored; a new one takes
    /// effect at once (an event is sent now).
    func applyInterval(_ interval: Int32) {
        guard interval > 0 else { return }
        self.eventInterval.withLock { $0 = Int(interval) }
        self.sendEventWork.withLock { $0 }?.reschedule(seconds: 0)
    }

    /// Mirrors `on_evt_twin_desired()` (main.c:134-148): copy into `recv_buf` and handle it on the work queue.
    private func desiredReceived(_ payload: [UInt8]) {
        guard self.receiveBufferFree.take(timeoutSeconds: 0) else {
            self.logger.warning("Recv buffer is busy, data was not copied")
            return
        }
        guard payload.count <= Self.receiveBufferSize - 1 else {
            // As the sample: the buffer's semaphore is not given back, so later patches are dropped.
            self.logger.error("Incoming data too big for buffer")
            return
        }
        self.workQueue.submit { [weak self] in self?.twinReportWork(payload) }
    }

    /// Mirrors `twin_report_work_fn()` (main.c:351-391): a negative interval is neither reported nor applied; the
    /// new interval is applied only once its report was sent.
    private func twinReportWork(_ payload: [UInt8]) {
        let newInterval = self.eventIntervalGet(payload)
        guard newInterval >= 0 else { return }
        let report = SampleJSON.reportedInterval(newInterval)
        let err = self.hub.send(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .twinReported), payload: Array(report.utf8)))
        guard err == 0 else {
            self.logger.error("Failed to send twin report")
            return
        }
        self.applyInterval(newInterval)
        self.logger.info("New telemetry interval has been applied: \(newInterval)")
    }

    /// `direct_method_handler()` on the work queue: only `led` is known, and only it is answered.
    private func directMethod(_ method: AzureIoTHubMethod) {
        guard method.name == "led" else {
            self.logger.info("Unknown direct method")
            return
        }
        let on = method.payload.first != UInt8(ascii: "0")
        self.leds.withLock { $0 = on }
        if !(self.configuration.value("DK_LIBRARY", as: Bool.self) ?? false) {
            self.logger.info("No hardware interface to set LED state to \(on ? 1 : 0)")
        }
        let err = self.hub.methodRespond(
            AzureIoTHubResult(requestID: method.requestID, status: 200, payload: Array("{\"it\":\"worked\"}".utf8)))
        if err != 0 { self.logger.error("Failed to send direct method response") }
    }
}
