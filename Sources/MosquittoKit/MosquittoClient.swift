internal import CMosquitto
import OpenSSLKit
import Glibc
import Synchronization

/// An incoming PUBLISH.
public struct MosquittoMessage: Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
}

/// What libmosquitto reports. Every callback runs on the thread that called ``MosquittoClient/loop(timeoutMilliseconds:)``
/// or the blocking ``MosquittoClient/connect(host:port:keepAlive:)`` — the owner's MQTT thread.
public struct MosquittoCallbacks: Sendable {
    /// CONNACK: the return code (0 accepted) and the session-present flag.
    public var onConnect: @Sendable (_ returnCode: Int32, _ sessionPresent: Bool) -> Void = { _, _ in }
    /// The connection ended: 0 after our own DISCONNECT, otherwise the `MOSQ_ERR_*` that ended it.
    public var onDisconnect: @Sendable (_ reason: Int32) -> Void = { _ in }
    /// A QoS 0 PUBLISH was written, or a QoS 1 PUBLISH was acknowledged.
    public var onPublish: @Sendable (_ messageID: Int32) -> Void = { _ in }
    public var onMessage: @Sendable (MosquittoMessage) -> Void = { _ in }
    /// SUBACK with the granted QoS of each topic (128 = refused).
    public var onSubscribe: @Sendable (_ messageID: Int32, _ grantedQoS: [Int32]) -> Void = { _, _ in }
    public var onLog: @Sendable (_ level: Int32, _ message: String) -> Void = { _, _ in }

    public init() {}
}

/// The one owner of a libmosquitto client (`struct mosquitto *`), MQTT 3.1.1.
public final class MosquittoClient: @unchecked Sendable {
    private let handle: OpaquePointer
    private let callbacks: MosquittoCallbacks
    /// Keeps the SSL_CTX alive for as long as libmosquitto may use it.
    private let tlsContext = Mutex<TLSClientContext?>(nil)

    /// - Parameters:
    ///   - clientID: the CONNECT client identifier.
    ///   - cleanSession: the CONNECT clean-session flag.
    /// - Throws: ``MosquittoError`` when libmosquitto cannot allocate the client.
    public init(clientID: String, cleanSession: Bool, callbacks: MosquittoCallbacks) throws(MosquittoError) {
        _ = mosquittoIsInitialized
        self.callbacks = callbacks
        // The userdata is set right after allocation, once `self` is fully initialised.
        guard let handle = mosquitto_new(clientID, cleanSession, nil) else {
            throw MosquittoError(code: MOSQ_ERR_NOMEM.rawValue)
        }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
        self.installTrampolines()
    }

    deinit {
        mosquitto_destroy(self.handle)
    }

    /// The CONNECT user name and password.
    public func setCredentials(username: String, password: String?) throws(MosquittoError) {
        if let error = MosquittoError.check(mosquitto_username_pw_set(self.handle, username, password)) { throw error }
    }

    /// The CONNECT will message.
    public func setWill(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(MosquittoError) {
        let result = payload.withUnsafeBytes {
            mosquitto_will_set(self.handle, topic, Int32($0.count), $0.baseAddress, qos, retain)
        }
        if let error = MosquittoError.check(result) { throw error }
    }

    /// Uses `context` for TLS. Its own hostname check replaces libmosquitto's, which would compare the certificate
    /// with the address dialled (an IP address when the device's resolver maps names locally).
    public func useTLS(_ context: TLSClientContext) throws(MosquittoError) {
        self.tlsContext.withLock { $0 = context }
        // The context is complete as given: libmosquitto must not add its defaults (or demand a CA file).
        if let error = MosquittoError.check(mosquitto_int_option(self.handle, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0)) {
            throw error
        }
        if let error = MosquittoError.check(
            mosquitto_void_option(self.handle, MOSQ_OPT_SSL_CTX, UnsafeMutableRawPointer(context.handle)))
        {
            throw error
        }
        if let error = MosquittoError.check(mosquitto_tls_insecure_set(self.handle, true)) { throw error }
    }

    /// TCP connect, then (with TLS) the handshake on the next loop calls, then CONNECT. Blocks through TCP only.
    public func connect(host: String, port: Int, keepAlive: Int) throws(MosquittoError) {
        if let error = MosquittoError.check(mosquitto_connect(self.handle, host, Int32(port), Int32(keepAlive))) {
            throw error
        }
    }

    /// One turn of the network loop: waits up to `timeoutMilliseconds` for the socket, then reads, writes and runs
    /// keep-alive. Returns the error that broke the connection, if any.
    public func loop(timeoutMilliseconds: Int) -> MosquittoError? {
        MosquittoError.check(mosquitto_loop(self.handle, Int32(timeoutMilliseconds), 1))
    }

    /// Whether a TLS handshake has finished on the current connection (false without TLS or a connection).
    public var isTLSEstablished: Bool {
        guard let ssl = mosquitto_ssl_get(self.handle) else { return false }
        return TLSSession.isHandshakeComplete(OpaquePointer(ssl))
    }

    /// The negotiated TLS version of the current connection, if any.
    public var tlsVersion: String? {
        mosquitto_ssl_get(self.handle).map { TLSSession.protocolVersion(OpaquePointer($0)) }
    }

    /// The socket descriptor, or -1 without a connection.
    public var socket: Int32 { mosquitto_socket(self.handle) }

    /// Queues a PUBLISH. - Returns: libmosquitto's message id for it.
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(MosquittoError) -> Int32 {
        var messageID: Int32 = 0
        let result = payload.withUnsafeBytes {
            mosquitto_publish(self.handle, &messageID, topic, Int32($0.count), $0.baseAddress, qos, retain)
        }
        if let error = MosquittoError.check(result) { throw error }
        return messageID
    }

    /// Queues one SUBSCRIBE for all `topics` at `qos`. - Returns: its message id.
    public func subscribe(topics: [String], qos: Int32) throws(MosquittoError) -> Int32 {
        var messageID: Int32 = 0
        var cStrings = topics.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let result = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafeMutablePointer<CChar>?.self, capacity: buffer.count) {
                mosquitto_subscribe_multiple(self.handle, &messageID, Int32(topics.count), $0, qos, 0, nil)
            }
        }
        if let error = MosquittoError.check(result) { throw error }
        return messageID
    }

    /// Sends DISCONNECT; the loop then closes the socket.
    public func disconnect() throws(MosquittoError) {
        if let error = MosquittoError.check(mosquitto_disconnect(self.handle)) { throw error }
    }

    private func installTrampolines() {
        mosquitto_connect_with_flags_callback_set(self.handle) { _, object, returnCode, flags in
            MosquittoClient.from(object).callbacks.onConnect(returnCode, flags & 1 == 1)
        }
        mosquitto_disconnect_callback_set(self.handle) { _, object, reason in
            MosquittoClient.from(object).callbacks.onDisconnect(reason)
        }
        mosquitto_publish_callback_set(self.handle) { _, object, messageID in
            MosquittoClient.from(object).callbacks.onPublish(messageID)
        }
        mosquitto_subscribe_callback_set(self.handle) { _, object, messageID, count, granted in
            let qos = (0..<Int(count)).map { granted?[$0] ?? 128 }
            MosquittoClient.from(object).callbacks.onSubscribe(messageID, qos)
        }
        mosquitto_message_callback_set(self.handle) { _, object, message in
            guard let message = message?.pointee else { return }
            let payload = message.payloadlen > 0 && message.payload != nil
                ? Array(UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen))) : []
            MosquittoClient.from(object).callbacks.onMessage(
                MosquittoMessage(
                    topic: String(cString: message.topic), payload: payload, qos: message.qos, retain: message.retain))
        }
        mosquitto_log_callback_set(self.handle) { _, object, level, text in
            guard let text else { return }
            MosquittoClient.from(object).callbacks.onLog(level, String(cString: text))
        }
    }

    private static func from(_ object: UnsafeMutableRawPointer?) -> MosquittoClient {
        Unmanaged<MosquittoClient>.fromOpaque(object!).takeUnretainedValue()
    }
}

/// Log levels libmosquitto passes to ``MosquittoCallbacks/onLog``.
public enum MosquittoLogLevel {
    public static let error = MOSQ_LOG_ERR
}

private let mosquittoIsInitialized: Bool = mosquitto_lib_init() == MOSQ_ERR_SUCCESS.rawValue
