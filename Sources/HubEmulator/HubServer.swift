import Foundation
import Logging
import NIOCore
import NIOPosix

/// The running emulator: the store, the hub core, DPS, the PKI, and the MQTT and HTTPS listeners.
public final class HubServer: Sendable {
    public let core: HubCore
    public let provisioning: ProvisioningService
    public let pki: ServerPKI
    public let adminTokenPath: String
    public let mqttChannel: any Channel
    public let httpsChannel: any Channel
    let group: MultiThreadedEventLoopGroup

    public struct Options: Sendable {
        public var dataDirectory: String
        public var host = "127.0.0.1"
        public var mqttPort = 8883
        public var httpsPort = 8443
        public var strictAPIVersion = false
        /// DPS's `retry-after` in seconds: how long a registration stays `assigning`.
        public var dpsRetryAfter = 3
        /// Seconds a delivered C2D message waits for its PUBACK before it is delivered again.
        public var cloudToDeviceLockTimeout: TimeInterval = 60

        public init(dataDirectory: String) { self.dataDirectory = dataDirectory }
    }

    public static func start(_ options: Options, logger: Logger) async throws -> HubServer {
        try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
        let store = try HubStore(path: options.dataDirectory + "/hub.sqlite")
        let core = try HubCore(store: store, logger: logger)
        core.strictAPIVersion = options.strictAPIVersion
        core.cloudToDeviceLockTimeout = options.cloudToDeviceLockTimeout
        let provisioning = try ProvisioningService(hubCore: core, store: store, logger: logger)
        provisioning.retryAfter = options.dpsRetryAfter
        let pki = try ServerPKI.loadOrCreate(directory: options.dataDirectory, hostnames: core.hubRecords.map(\.hostname))
        let tokenPath = options.dataDirectory + "/admin-token"
        let token: String
        if let existing = try? String(contentsOfFile: tokenPath, encoding: .utf8), !existing.isEmpty {
            token = existing.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            token = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            FileManager.default.createFile(atPath: tokenPath, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        do {
            let mqtt = try await MQTTServer.start(core: core, provisioning: provisioning, pki: pki, host: options.host, port: options.mqttPort, group: group, logger: logger)
            let blobs = BlobStore(directory: URL(fileURLWithPath: options.dataDirectory).appendingPathComponent("blobs").path)
            let api = ServiceAPI(core: core, provisioning: provisioning, adminToken: token, blobs: blobs, logger: logger)
            let https = try await HTTPSServer.start(pki: pki, host: options.host, port: options.httpsPort, group: group, logger: logger) { request, loop in
                api.route(request, on: loop)
            }
            return HubServer(core: core, provisioning: provisioning, pki: pki, adminTokenPath: tokenPath, mqtt: mqtt, https: https, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    init(core: HubCore, provisioning: ProvisioningService, pki: ServerPKI, adminTokenPath: String, mqtt: any Channel, https: any Channel, group: MultiThreadedEventLoopGroup) {
        self.core = core
        self.provisioning = provisioning
        self.pki = pki
        self.adminTokenPath = adminTokenPath
        self.mqttChannel = mqtt
        self.httpsChannel = https
        self.group = group
    }

    public var mqttPort: Int { self.mqttChannel.localAddress?.port ?? 0 }
    public var httpsPort: Int { self.httpsChannel.localAddress?.port ?? 0 }

    public var mqttAddress: String { self.mqttChannel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?" }
    public var httpsAddress: String { self.httpsChannel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?" }

    public func close() async {
        try? await self.mqttChannel.close()
        try? await self.httpsChannel.close()
        try? await self.group.shutdownGracefully()
    }
}
