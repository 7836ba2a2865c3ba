import Foundation
import Logging
import NIOCore
import NIOPosix
import Secrets
import SimCore

/// The running emulator: the store, the hub core, DPS, the PKI, and the MQTT and HTTPS listeners.
///
/// Besides the event loops it owns the thread pool the HTTPS routes run on (their SQLite I/O blocks; see
/// ``HTTPRouter``): started before the listener, shut down after it closes.
public final class HubServer: Sendable {
    public let core: HubCore
    public let provisioning: ProvisioningService
    public let pki: ServerPKI
    /// The TLS contexts of both roots, and the one new handshakes present.
    public let serverTLS: ServerTLSContexts
    public let adminTokenPath: String
    public let mqttChannel: any Channel
    public let httpsChannel: any Channel
    /// Blob reads over plain HTTP, when served.
    public let blobHTTPChannel: (any Channel)?
    let group: MultiThreadedEventLoopGroup
    /// Where the MQTT sessions and the HTTPS routes run the store's blocking I/O, off the event loops.
    let blockingPool: NIOThreadPool

    public struct Options: Sendable {
        public var dataDirectory: String
        public var host = "127.0.0.1"
        public var mqttPort = 8883
        public var httpsPort = 8443
        /// Blob storage over plain HTTP (0: a free port; nil, the default here: not served; `nrfsim hub` serves it
        /// on 8080).
        public var blobHTTPPort: Int?
        public var strictAPIVersion = false
        /// DPS's `retry-after` in seconds: how long a registration stays `assigning`.
        public var dpsRetryAfter = 3
        /// A fault DPS shows its devices instead of serving their requests (`nil`: none).
        public var dpsFault: ProvisioningFault?
        /// A fault blob storage shows instead of serving blob reads (`nil`: none).
        public var blobFault: BlobFault?
        /// Seconds a delivered C2D message waits for its PUBACK; then the hub closes the device's connection and the
        /// message, still queued, goes to its next one (``HubCore/Options/cloudToDeviceLockTimeout``).
        public var cloudToDeviceLockTimeout: TimeInterval = 60
        /// The listeners' resource bounds.
        public var limits = Limits()
        /// Topic filters whose SUBSCRIBE is refused (SUBACK 0x80), for testing clients.
        public var refusedSubscriptions = SubscriptionRefusals()
        /// The tier whose quota and throttles the hub enforces (nil, the default: none).
        public var sku: HubSKU?
        /// DPS's device registrations a minute per instance, with its polling limit (nil, the default: no limits).
        public var dpsRegistrationsPerMinute: Int?
        /// The server root new TLS handshakes present at start.
        public var serverRoot = ServerRoot.digicertG2
        /// Every this long, the hub closes every device connection (nil, the default: never).
        public var disconnectEvery: TimeAmount?
        /// Simulated seconds per real second for the service-level timers (``ServiceClock``).
        public var timeScale = TimeScale.realTime

        public init(dataDirectory: String) { self.dataDirectory = dataDirectory }
    }

    public static func start(_ options: Options, logger: Logger) async throws -> HubServer {
        try DurableFile.makeDirectory(options.dataDirectory)
        let store = try SQLiteHubStore(path: options.dataDirectory + "/hub.sqlite", logger: logger)
        var coreOptions = HubCore.Options()
        coreOptions.strictAPIVersion = options.strictAPIVersion
        coreOptions.cloudToDeviceLockTimeout = options.cloudToDeviceLockTimeout
        coreOptions.telemetryBufferBytes = options.limits.telemetryBufferBytes
        coreOptions.json = options.limits.json
        coreOptions.refusedSubscriptions = options.refusedSubscriptions
        coreOptions.sku = options.sku
        coreOptions.timeScale = options.timeScale
        let clock = ServiceClock(scale: options.timeScale)
        let core = try HubCore(store: store, logger: logger, options: coreOptions, now: clock.now, credentialNow: Date.init)
        let provisioning = try ProvisioningService(
            hubCore: core, store: store, logger: logger, retryAfter: options.dpsRetryAfter, fault: options.dpsFault,
            registrationsPerMinute: options.dpsRegistrationsPerMinute, now: clock.now, credentialNow: Date.init)
        // The listen address is a SAN too: clients that dial it (not a hostname) verify the certificate against it.
        let pki = try ServerPKI.loadOrCreate(
            directory: options.dataDirectory, hostnames: core.hubRecords.map(\.hostname) + [options.host], logger: logger)
        let serverTLS = try ServerTLSContexts(pki: pki, presenting: options.serverRoot, logger: logger)
        let tokenPath = options.dataDirectory + "/admin-token"
        let token = try Self.adminToken(at: tokenPath, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        // Its work mostly waits for the disk: while one commit syncs, the writers behind it wait on threads of their
        // own and then share the next commit (GroupCommit), so the pool has more threads than cores.
        let blockingPool = NIOThreadPool(numberOfThreads: max(32, 4 * System.coreCount))
        blockingPool.start()
        do {
            let admission = ConnectionAdmission(limits: options.limits, logger: logger)
            let mqtt = try await MQTTServer.start(
                core: core, provisioning: provisioning, tls: serverTLS, host: options.host, port: options.mqttPort, group: group,
                executor: blockingPool, limits: options.limits, admission: admission, logger: logger)
            let blobs = BlobStore(directory: URL(fileURLWithPath: options.dataDirectory).appendingPathComponent("blobs").path)
            let api = ServiceAPI(
                core: core, provisioning: provisioning, adminToken: token, blobs: blobs, blobFault: options.blobFault, serverTLS: serverTLS,
                logger: logger)
            let https = try await HTTPSServer.start(
                tls: serverTLS, host: options.host, port: options.httpsPort, group: group, threadPool: blockingPool, limits: options.limits,
                admission: admission, logger: logger, checkHead: { api.checkHead($0) }
            ) { request, loop in
                api.route(request, on: loop)
            }
            var blobHTTP: (any Channel)?
            if let blobHTTPPort = options.blobHTTPPort {
                do {
                    blobHTTP = try await BlobHTTPServer.start(
                        api: api, host: options.host, port: blobHTTPPort, group: group, threadPool: blockingPool,
                        limits: options.limits, admission: admission, logger: logger)
                } catch {
                    try? await mqtt.close()
                    try? await https.close()
                    throw BlobHTTPPortError(address: "\(options.host):\(blobHTTPPort)", reason: "\(error)")
                }
            }
            if let period = options.disconnectEvery {
                // On a loop of its own group: it ends with the group, at close.
                let real = clock.realDelay(period)
                group.next().scheduleRepeatedTask(initialDelay: real, delay: real) { _ in
                    let closed = core.disconnectAll(reason: "scheduled disconnect (--disconnect-every)")
                    logger.info("scheduled disconnect", metadata: ["connections": "\(closed)"])
                }
            }
            return HubServer(
                core: core, provisioning: provisioning, pki: pki, serverTLS: serverTLS, adminTokenPath: tokenPath, mqtt: mqtt,
                https: https, blobHTTP: blobHTTP, group: group, blockingPool: blockingPool)
        } catch {
            try? await group.shutdownGracefully()
            try? await blockingPool.shutdownGracefully()
            throw error
        }
    }

    /// The token of the emulator's admin API (what `nrfsim az` authenticates with): 24 bytes from the CSPRNG, made
    /// once and kept mode 0600 in `path`.
    static func adminToken(at path: String, logger: Logger) throws(AdminTokenError) -> String {
        if let warning = DurableFile.loosePermissionsWarning(path) { logger.warning("\(warning)") }
        if FileManager.default.fileExists(atPath: path) {
            let existing: String
            do {
                existing = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw AdminTokenError(path: path, reason: "cannot be read (\((error as NSError).localizedDescription))")
            }
            let token = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw AdminTokenError(path: path, reason: "is empty; remove it to make a new admin token") }
            return token
        }
        let token = SecureRandom.hex(24)
        do {
            try DurableFile.write(token, to: path, mode: DurableFile.privateMode)
        } catch {
            throw AdminTokenError(path: path, reason: error.reason)
        }
        return token
    }

    init(
        core: HubCore, provisioning: ProvisioningService, pki: ServerPKI, serverTLS: ServerTLSContexts, adminTokenPath: String,
        mqtt: any Channel, https: any Channel, blobHTTP: (any Channel)?, group: MultiThreadedEventLoopGroup, blockingPool: NIOThreadPool
    ) {
        self.core = core
        self.provisioning = provisioning
        self.pki = pki
        self.serverTLS = serverTLS
        self.adminTokenPath = adminTokenPath
        self.mqttChannel = mqtt
        self.httpsChannel = https
        self.blobHTTPChannel = blobHTTP
        self.group = group
        self.blockingPool = blockingPool
    }

    public var mqttPort: Int { self.mqttChannel.localAddress?.port ?? 0 }
    public var httpsPort: Int { self.httpsChannel.localAddress?.port ?? 0 }
    /// The blob storage's HTTP port, or nil when it is not served.
    public var blobHTTPPort: Int? { self.blobHTTPChannel.map { $0.localAddress?.port ?? 0 } }

    public var mqttAddress: String { self.mqttChannel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?" }
    public var httpsAddress: String { self.httpsChannel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?" }

    public func close() async {
        try? await self.mqttChannel.close()
        try? await self.httpsChannel.close()
        try? await self.blobHTTPChannel?.close()
        try? await self.blockingPool.shutdownGracefully()
        try? await self.group.shutdownGracefully()
    }
}

/// The blob storage's HTTP port cannot be opened: names the address, the reason and the way out.
public struct BlobHTTPPortError: Error, CustomStringConvertible {
    public var address: String
    public var reason: String
    public var description: String {
        "cannot serve blob storage over HTTP on \(self.address): \(self.reason) (--blob-http-port 0 picks a free port)"
    }
}

/// The admin API's token file is unusable: names the file and why.
public struct AdminTokenError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(self.path): \(self.reason)" }
}
