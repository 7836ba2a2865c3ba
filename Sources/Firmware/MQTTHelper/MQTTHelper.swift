import Foundation
import Logging
import MosquittoKit
import OpenSSLKit
import Synchronization

/// Mirrors mqtt_helper.c: one global MQTT client shared by DPS and the IoT Hub library, driven by libmosquitto.
///
/// Like `mqtt_helper_thread`, one thread, started with the helper, waits for a connection and then runs the network
/// loop; every ``MQTTHelperConfig`` callback runs there. ``connect(_:)`` blocks its caller through DNS, TCP and the
/// TLS handshake, and returns once CONNECT is on its way, before CONNACK.
public final class MQTTHelper: Sendable {
    struct Shared {
        var state: MQTTState = .uninit
        var config = MQTTHelperConfig()
        var connection: Connection?
        var messageID: UInt16 = 0
        var certificatesProvisioned = false
    }

    let settings: MQTTHelperSettings
    let tls: TLSProvider
    private let resolver: HostResolver
    let logger: Logger
    /// Every line libmosquitto logs, for the simulator's traffic ledger (not part of the helper upstream).
    let libraryLog: @Sendable (String) -> Void
    let shared = Mutex(Shared())
    let connectionPollSemaphore = KSemaphore(initial: 0, limit: 1)
    /// Set when the board resets (``halt()``).
    let halted = Atomic<Bool>(false)

    public init(
        settings: MQTTHelperSettings, tls: TLSProvider, resolver: HostResolver, logger: Logger,
        libraryLog: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.libraryLog = libraryLog
        self.settings = settings
        self.tls = tls
        self.resolver = resolver
        self.logger = logger
        // Like K_THREAD_DEFINE, the thread and the helper it serves live as long as the program.
        let thread = Thread { KernelThread.run(named: "mqtt_helper_thread") { self.pollThread() } }
        thread.name = "mqtt_helper_thread"
        thread.start()
    }

    /// The helper's state.
    public var state: MQTTState { self.shared.withLock { $0.state } }

    /// Mirrors `mqtt_helper_init()`. - Returns: 0, or `-EOPNOTSUPP` unless UNINIT or DISCONNECTED.
    public func initialize(_ config: MQTTHelperConfig) -> Int32 {
        self.shared.withLock { shared in
            guard shared.state == .uninit || shared.state == .disconnected else { return self.wrongState(shared.state, required: .uninit) }
            shared.config = config
            if shared.state == .uninit { self.move(&shared, to: .disconnected) }
            return 0
        }
    }

    /// Mirrors `mqtt_helper_deinit()`. - Returns: 0, or `-EOPNOTSUPP` unless DISCONNECTED.
    public func deinitialize() -> Int32 {
        self.shared.withLock { shared in
            guard shared.state == .disconnected else { return self.wrongState(shared.state, required: .disconnected) }
            shared.config = MQTTHelperConfig()
            self.move(&shared, to: .uninit)
            return 0
        }
    }

    /// Mirrors `mqtt_helper_msg_id_get()`: 1, 2, 3, … wrapping, never 0.
    public func messageIDGet() -> UInt16 {
        self.shared.withLock { shared in
            shared.messageID = shared.messageID == UInt16.max ? 1 : shared.messageID + 1
            return shared.messageID
        }
    }

    /// Mirrors `mqtt_helper_connect()`.
    /// - Returns: 0; `-EOPNOTSUPP` unless DISCONNECTED; a positive value when the name does not resolve; the
    ///   (negative) errno of a failed TCP connect or TLS handshake.
    public func connect(_ params: MQTTHelperConnParams) -> Int32 {
        let (state, config): (MQTTState, MQTTHelperConfig?) = self.shared.withLock { shared in
            guard shared.state == .disconnected else { return (shared.state, nil) }
            self.move(&shared, to: .transportConnecting)
            return (shared.state, shared.config)
        }
        guard let config else { return self.wrongState(state, required: .disconnected) }
        let result = self.clientConnect(params, config: config)
        self.shared.withLock { shared in
            if result == 0 {
                self.move(&shared, to: .connecting)
            } else {
                shared.connection = nil
                self.move(&shared, to: .disconnected)
            }
        }
        if result == 0 { self.connectionPollSemaphore.give() }
        return result
    }

    /// Mirrors `mqtt_helper_disconnect()`: sends DISCONNECT and closes the socket; `on_disconnect(0)` runs in the
    /// caller before this returns, as Zephyr's `mqtt_disconnect()` raises `MQTT_EVT_DISCONNECT` synchronously.
    public func disconnect() -> Int32 {
        let (state, connection): (MQTTState, Connection?) = self.shared.withLock { shared in
            guard shared.state == .connected, let connection = shared.connection else { return (shared.state, nil) }
            self.move(&shared, to: .disconnecting)
            return (shared.state, connection)
        }
        guard let connection else { return self.wrongState(state, required: .connected) }
        var result: Int32 = 0
        do {
            try connection.client.disconnect()
        } catch where error.isNoConnection && connection.ended.load(ordering: .acquiring) {
            // The poll thread wrote our DISCONNECT and closed the socket first; it already reported the end.
        } catch {
            self.logger.error("Failed to send disconnection request, treating as disconnected")
            result = -Errno.ENOTCONN
        }
        self.connectionEnded(connection, result: result)
        return result
    }

    /// Mirrors `mqtt_helper_subscribe()`: one SUBSCRIBE at QoS `qos` for all `topics`.
    public func subscribe(topics: [String], qos: Int32, messageID: UInt16) -> Int32 {
        guard messageID != 0 else { return self.invalidMessageID() }
        guard let connection = self.connectedConnection else { return self.wrongState(self.state, required: .connected) }
        for topic in topics { self.logger.debug("Subscribing to: \(topic)") }
        self.tls.socketSend()
        do {
            let mosquittoID = try connection.client.subscribe(topics: topics, qos: qos)
            connection.subscriptionIDs.withLock { $0[mosquittoID] = messageID }
            return 0
        } catch {
            // mqtt_helper_subscribe() returns mqtt_subscribe()'s error without a word (mqtt_helper.c:669-672).
            self.logger.debug("mqtt_subscribe: \(error)")
            return -Errno.ENOTCONN
        }
    }

    /// Mirrors `mqtt_helper_publish()`. `messageID` is reported back in `on_puback` (libmosquitto numbers the
    /// packet on the wire itself).
    public func publish(topic: String, payload: [UInt8], qos: Int32, messageID: UInt16, retain: Bool) -> Int32 {
        self.logger.debug("Publishing to topic: \(topic)")
        guard messageID != 0 else { return self.invalidMessageID() }
        guard let connection = self.connectedConnection else { return self.wrongState(self.state, required: .connected) }
        // No lock is held across mosquitto_publish(): libmosquitto may call back into the helper from inside it.
        self.tls.socketSend()
        do {
            let mosquittoID = try connection.client.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            if let early = connection.acknowledgements.withLock({ $0.published(mosquittoID, qos: qos, as: messageID) }) {
                // The PUBACK beat us to the table: report it now.
                self.shared.withLock { $0.config }.onPuback(early, 0)
            }
            return 0
        } catch {
            // mqtt_helper_publish() returns mqtt_publish()'s error without a word (mqtt_helper.c:696).
            self.logger.debug("mqtt_publish: \(error)")
            return -Errno.ENOTCONN
        }
    }

    var sharedConnection: Connection? { self.shared.withLock { $0.connection } }

    /// CONNACK: CONNECTING → CONNECTED when accepted, → DISCONNECTED when refused.
    func connackReceived(accepted: Bool) {
        self.shared.withLock { self.move(&$0, to: accepted ? .connected : .disconnected) }
    }

    /// Forgets `connection` if it is the current one (state → DISCONNECTED) and returns the callbacks to tell.
    func endConnection(_ connection: Connection) -> MQTTHelperConfig? {
        self.shared.withLock { shared in
            guard shared.connection === connection else { return nil }
            shared.connection = nil
            self.move(&shared, to: .disconnected)
            return shared.config
        }
    }

    /// The public API's refusal in a state it does not serve (mqtt_helper.c:577, 598, 623, 658, 689, 715).
    private func wrongState(_ state: MQTTState, required: MQTTState) -> Int32 {
        self.logger.error("Library is in the wrong state (\(state)), \(required) required")
        return -Errno.EOPNOTSUPP
    }

    /// `mqtt_helper_subscribe()`'s and `mqtt_helper_publish()`'s refusal of message id 0 (mqtt_helper.c:654, 685).
    private func invalidMessageID() -> Int32 {
        self.logger.error("Invalid message ID")
        return -Errno.EINVAL
    }

    private var connectedConnection: Connection? {
        self.shared.withLock { $0.state == .connected ? $0.connection : nil }
    }

    /// Mirrors `mqtt_state_set()` (mqtt_helper.c:67-138): an illegal transition is logged, and, with `__ASSERT()`
    /// compiled out (CONFIG_ASSERT is off by default), made all the same.
    func move(_ shared: inout Shared, to next: MQTTState) {
        guard shared.state != next else {
            self.logger.debug("Skipping transition to the same state (\(next))")
            return
        }
        if !shared.state.canMove(to: next) {
            self.logger.error("Invalid state transition, \(shared.state) --> \(next)")
        }
        self.logger.debug("State transition: \(shared.state) --> \(next)")
        shared.state = next
    }
}

extension MQTTHelper {
    /// One connection: its libmosquitto client and the ids libmosquitto chose for our packets.
    final class Connection: Sendable {
        let client: MosquittoClient
        let acknowledgements = Mutex(Acknowledgements())
        let subscriptionIDs = Mutex<[Int32: UInt16]>([:])
        /// Set once the connection's end has been reported (`on_disconnect` runs once per connection).
        let ended = Atomic<Bool>(false)
        /// Given once the end has been reported (and given back by every waiter).
        let endReported = KSemaphore(initial: 0, limit: 1)
        let reportingThread = Mutex<pthread_t?>(nil)

        /// Ends a connection that never got going: there is nothing to report.
        func endedUnreported() {
            self.ended.store(true, ordering: .releasing)
            self.endReported.give()
        }

        init(client: MosquittoClient) {
            self.client = client
        }
    }

    /// Where a connection's callbacks find it (they are made before it exists).
    final class ConnectionSlot: Sendable {
        let connection = Mutex<Connection?>(nil)
        var current: Connection? { self.connection.withLock { $0 } }
    }

    /// `client_connect()`: resolve, build TLS, TCP connect, handshake, CONNECT.
    private func clientConnect(_ params: MQTTHelperConnParams, config: MQTTHelperConfig) -> Int32 {
        if let folder = self.settings.certificatesFolder, case .native(let store) = self.tls,
            let secTag = self.settings.secTag
        {
            let first = self.shared.withLock { shared -> Bool in
                defer { shared.certificatesProvisioned = true }
                return !shared.certificatesProvisioned
            }
            if first { store.provision(folder: folder, secTag: secTag, secondarySecTag: self.settings.secondarySecTag, logger: self.logger) }
        }
        let hostname = self.settings.staticIPAddress ?? params.hostname
        self.tls.socketSend()
        guard let (address, port) = self.resolver.lookup(hostname, port: self.settings.port, for: params.service) else {
            // mqtt_helper.c:404-408: getaddrinfo()'s own (negative) code is logged, its negation returned.
            self.logger.error("getaddrinfo() failed, error \(Errno.EAI_AGAIN)")
            return -Errno.EAI_AGAIN
        }
        self.logger.debug("Connecting to \(hostname) (\(address):\(port))")
        let secTags = [self.settings.secTag, self.settings.secondarySecTag].compactMap { $0 }
        let context: TLSClientContext
        do {
            context = try self.tls.context(secTags: secTags, hostname: hostname)
        } catch {
            // A board says only mqtt_connect's error (mqtt_helper.c:536); nrfsim's reason is at debug level.
            self.logger.debug("TLS setup failed: \(error)")
            self.logger.error("mqtt_connect, error: \(-self.tls.handshakeFailure)")
            return -self.tls.handshakeFailure
        }
        let connectionBox = ConnectionSlot()
        let client: MosquittoClient
        do {
            client = try MosquittoClient(
                clientID: params.deviceID, cleanSession: self.settings.cleanSession,
                callbacks: self.callbacks(config: config, connection: connectionBox))
            try client.setCredentials(username: params.userName, password: params.password)
            if let will = self.settings.lastWill {
                try client.setWill(topic: will.topic, payload: Array(will.message.utf8), qos: 0, retain: false)
            }
            try client.useTLS(context)
        } catch {
            self.logger.debug("mqtt_client_init failed: \(error)")
            return -Errno.ENOMEM
        }
        let connection = Connection(client: client)
        connectionBox.connection.withLock { $0 = connection }
        self.shared.withLock { $0.connection = connection }
        do throws(MosquittoError) {
            try client.connect(host: address, port: port, keepAlive: self.settings.keepAliveSeconds)
            // Zephyr's mqtt_connect() returns only after the handshake and the CONNECT write.
            let deadline = ContinuousClock.now + .seconds(self.settings.sendTimeoutSeconds ?? 60)
            while !client.isTLSEstablished {
                if let error = client.loop(timeoutMilliseconds: 100) { throw error }
                if ContinuousClock.now > deadline {
                    connection.endedUnreported()
                    self.logger.error("mqtt_connect, error: \(-Errno.ETIMEDOUT)")
                    return -Errno.ETIMEDOUT
                }
            }
        } catch {
            connection.endedUnreported()
            if error.isLookupFailure {
                // mqtt_helper.c:404-408: getaddrinfo()'s own (negative) code is logged, its negation returned.
                self.logger.error("getaddrinfo() failed, error \(Errno.EAI_AGAIN)")
                return -Errno.EAI_AGAIN
            }
            if error.isTLSFailure || context.verificationFailure != nil {
                let reason = context.verificationFailure.map { "certificate verification failed: \($0)" } ?? "\(error)"
                // A board says only mqtt_connect's error (mqtt_helper.c:536); nrfsim's reason is at debug level.
                self.logger.debug("TLS handshake with \(hostname) failed: \(reason)")
                self.logger.error("mqtt_connect, error: \(-self.tls.handshakeFailure)")
                return -self.tls.handshakeFailure
            }
            self.logger.debug("mqtt_connect: \(error)")
            self.logger.error("mqtt_connect, error: \(-Errno.ECONNREFUSED)")
            return -Errno.ECONNREFUSED
        }
        if let timeout = self.settings.sendTimeoutSeconds {
            self.logger.debug("Using send socket timeout of \(timeout) seconds")
        }
        self.logger.debug("Connected to \(hostname) over \(client.tlsVersion ?? "TLS")")
        return 0
    }
}
