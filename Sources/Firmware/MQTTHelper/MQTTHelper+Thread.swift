import Foundation
import Logging
import MosquittoKit
import Synchronization

extension MQTTHelper {
    /// `mqtt_helper_poll_loop()`: forever, wait for a connection, then run the network loop until it ends.
    func pollThread() {
        while true {
            _ = self.connectionPollSemaphore.take()
            guard let connection = self.currentConnection else { continue }
            self.logger.debug("Took connection_poll_sem")
            while true {
                let state = self.state
                guard state == .connecting || state == .connected, !connection.ended.load(ordering: .relaxed) else { break }
                if let error = connection.client.loop(timeoutMilliseconds: 1000) {
                    if !connection.ended.load(ordering: .relaxed) { self.logLoss(error) }
                    break
                }
            }
            // mqtt_abort(): report the end unless a DISCONNECT of ours already did.
            self.connectionEnded(connection, result: -Errno.ECONNABORTED)
            self.logger.debug("Disconnected on MQTT helper thread")
        }
    }

    private var currentConnection: Connection? { self.sharedConnection }

    /// What `mqtt_helper_poll_loop()` logs when the connection breaks.
    func logLoss(_ error: MosquittoError) {
        if error.isNoConnection {
            self.logger.error("Socket error: POLLHUP")
            self.logger.error("Connection was unexpectedly closed")
        } else {
            self.logger.debug("mqtt_input: \(error)")
            self.logger.error("Cloud MQTT input error: \(-Errno.ENOTCONN)")
        }
    }

    /// Reports the end of `connection` once: state DISCONNECTED, then `on_disconnect(result)`.
    /// If another thread is reporting it, waits until it has (so `disconnect()` returns after the event, as in
    /// Zephyr); the reporting thread itself (a handler calling back into the library) does not wait.
    func connectionEnded(_ connection: Connection, result: Int32) {
        guard !connection.ended.exchange(true, ordering: .acquiringAndReleasing) else {
            if connection.reportingThread.withLock({ $0.map { pthread_equal($0, pthread_self()) == 0 } ?? true }) {
                _ = connection.endReported.take(timeoutSeconds: 5)
                connection.endReported.give()
            }
            return
        }
        connection.reportingThread.withLock { $0 = pthread_self() }
        let config = self.endConnection(connection)
        if !self.halted.load(ordering: .acquiring) { config?.onDisconnect(result) }
        connection.endReported.give()
    }

    /// The libmosquitto callbacks for one connection, translated to `mqtt_helper_cfg` callbacks.
    func callbacks(config: MQTTHelperConfig, connection box: ConnectionSlot) -> MosquittoCallbacks {
        var callbacks = MosquittoCallbacks()
        let payloadLimit = self.settings.payloadBufferLength
        let logger = self.logger
        callbacks.onConnect = { [weak self] returnCode, sessionPresent in
            guard let self else { return }
            logger.debug("MQTT_EVT_CONNACK: result \(returnCode)")
            self.connackReceived(accepted: returnCode == 0)
            config.onConnack(returnCode, sessionPresent)
        }
        callbacks.onDisconnect = { [weak self] reason in
            guard let self else { return }
            let error = MosquittoError.fromDisconnectReason(reason)
            guard let connection = box.current else { return }
            if let error, error.isConnectionReset, !connection.ended.load(ordering: .relaxed) {
                // A reset socket is readable: mqtt_helper_poll_loop() calls mqtt_input() (mqtt_helper.c:776-780),
                // whose recv() fails with -ECONNRESET; Zephyr's MQTT library reports MQTT_EVT_DISCONNECT with that
                // result from inside mqtt_input() (mqtt_helper.c:338-345 → azure_iot_hub.c:492-498), then the
                // helper logs the input error.
                self.connectionEnded(connection, result: -Errno.ECONNRESET)
                self.logger.debug("mqtt_input: \(error)")
                self.logger.error("Cloud MQTT input error: \(-Errno.ECONNRESET)")
                return
            }
            if let error, !connection.ended.load(ordering: .relaxed) { self.logLoss(error) }
            self.connectionEnded(connection, result: error == nil ? 0 : -Errno.ECONNABORTED)
        }
        callbacks.onMessage = { [weak self] message in
            guard let self else { return }
            logger.debug("MQTT_EVT_PUBLISH, QoS: \(message.qos), len = \(message.payload.count)")
            guard message.payload.count <= payloadLimit else {
                // on_publish() → publish_get_payload() (mqtt_helper.c:252-258, :290-293)
                logger.error("Incoming MQTT message too large for payload buffer")
                logger.error("publish_get_payload, error: \(-Errno.EMSGSIZE)")
                config.onError(.messageSize)
                // Zephyr cannot skip the unread payload: the next mqtt_input() fails and the connection is aborted.
                if let connection = box.current { self.abort(connection) }
                return
            }
            config.onPublish(message.topic, message.payload)
        }
        callbacks.onPublish = { messageID in
            guard let connection = box.current else { return }
            // QoS 0 publishes also land here (written); only acknowledged QoS 1 ids are in the table.
            guard let ours = connection.acknowledgements.withLock({ $0.completed(messageID) }) else { return }
            logger.debug("MQTT_EVT_PUBACK: id: \(ours) result: 0")
            config.onPuback(ours, 0)
        }
        callbacks.onSubscribe = { messageID, granted in
            guard let connection = box.current else { return }
            let ours = connection.subscriptionIDs.withLock { $0.removeValue(forKey: messageID) } ?? UInt16(truncatingIfNeeded: messageID)
            logger.debug("MQTT_EVT_SUBACK: id: \(ours) result: 0")
            config.onSuback(ours, granted.contains(128) ? -Errno.EACCES : 0)
        }
        // Captured by value, and the helper weakly: libmosquitto may still log after the firmware that owned it is gone.
        let libraryLog = self.libraryLog
        callbacks.onLog = { [weak self] level, text in
            guard let self else { return }
            libraryLog(text)
            // libmosquitto has no PINGRESP callback; it logs every one it receives.
            if text.hasSuffix("received PINGRESP") {
                logger.debug("MQTT_EVT_PINGRESP")
                config.onPingresp()
            } else if text.hasSuffix("sending PINGREQ") {
                // The keep-alive is uplink data too: the modem's radio connects for it, as for a publish. libmosquitto
                // sends its PINGREQ from its own loop, and logs it just before (send__pingreq()).
                self.tls.socketSend()
            } else if level == MosquittoLogLevel.error {
                logger.debug("libmosquitto: \(text)")
            }
        }
        return callbacks
    }

    /// Closes the connection without DISCONNECT (`mqtt_abort()`); the poll thread then reports its end.
    func abort(_ connection: Connection) {
        let fd = connection.client.socket
        if fd >= 0 { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Aborts the current connection, as the modem does to its sockets when the link goes down.
    public func abortConnection() {
        if let connection = self.sharedConnection { self.abort(connection) }
    }

    /// The modem closes the firmware's sockets (LTE went down): the poll thread sees the socket go, and reports the
    /// end, before the link's L4 event is raised, so that the console tells one story, run after run: the helper's
    /// loss lines and DISCONNECTED, then the sample's "Network connectivity lost".
    public func socketClosedByModem() {
        guard let connection = self.sharedConnection else { return }
        self.abort(connection)
        _ = connection.endReported.take(timeoutSeconds: 5)
        connection.endReported.give()
    }

    /// The board resets: the connection is dropped and reported to no one (no `on_disconnect`); the old image's log
    /// lines are already dropped by its powered-off log handlers (``PoweredLogHandler``).
    public func halt() {
        self.halted.store(true, ordering: .releasing)
        self.abortConnection()
    }
}
