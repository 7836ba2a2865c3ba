import Foundation
import Logging
import Synchronization

/// `CONFIG_SIM_AZURE_IOT_HUB_RECONNECT`: not in the sample. Upstream's `azure_event_handler()` only logs
/// AZURE_IOT_HUB_EVT_DISCONNECTED and CONNECTION_FAILED (samples/net/azure_iot_hub/src/main.c, v2.9.0), and the
/// library does not reconnect, so a device that lost its connection stays offline until a reset. With the option the
/// sample calls `azure_iot_hub_connect()` again from its work queue, with ``ReconnectBackoff``'s delays.
extension AzureIoTHubSample {
    /// Schedules the next attempt, when the option is set.
    func scheduleReconnect() {
        guard !self.halted.isSet else { return }
        let unit = self.random()
        let next = self.reconnect.withLock { backoff -> (delay: Int, attempt: Int)? in
            guard var current = backoff else { return nil }
            let delay = current.nextDelayMilliseconds(unit: unit)
            backoff = current
            return (delay, current.attempts)
        }
        guard let next else { return }
        self.logger.info("Reconnecting to IoT Hub in \(next.delay) ms (attempt \(next.attempt))")
        self.reconnectWork.withLock { $0 }?.reschedule(seconds: Double(next.delay) / 1000)
    }

    /// One attempt: `azure_iot_hub_connect()` with `main()`'s configuration; a refusal schedules the next.
    func reconnectNow() {
        guard !self.halted.isSet, let config = self.connectConfig.withLock({ $0 }) else { return }
        let err = self.hub.connect(config)
        guard err >= 0 else {
            self.logger.error("azure_iot_hub_connect failed: \(err)")
            return self.scheduleReconnect()
        }
        self.logger.info("Connection request sent to IoT Hub")
    }
}
