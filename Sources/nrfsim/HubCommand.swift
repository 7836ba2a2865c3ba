import ArgumentParser
import Foundation
import HubEmulator
import JSON
import Logging
import NIOCore
import UnixSignals

/// `nrfsim hub`: the local Azure IoT Hub emulator.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Run the local Azure IoT Hub and DPS emulator (MQTT over TLS and the service REST API).",
        discussion: """
            Devices connect with MQTT 3.1.1 over TLS on --mqtt-port (the Azure SDKs always dial 8883), to the hub or to \
            DPS (told apart by the CONNECT user name); the service API \
            (azure-iot-hub, nrfsim az) is HTTPS on --https-port. State persists in --data-dir. Trust the printed \
            server root CA in clients, and provision it to the modem as ROOT_CA_CERT.
            """
    )

    @Option(name: .customLong("data-dir"), help: "Where the emulator keeps its SQLite state, PKI and admin token.")
    var dataDirectory = "state/hub"

    @Option(help: "The address to listen on (on Linux every 127.x.y.z is loopback); the server certificate covers it.")
    var host = "127.0.0.1"

    @Option(name: .customLong("mqtt-port"), help: "MQTT over TLS port (0: a free port, printed in the banner).")
    var mqttPort = 8883

    @Option(name: .customLong("https-port"), help: "HTTPS port of the service and admin API (0: a free port, printed in the banner).")
    var httpsPort = 8443

    @Option(name: .customLong("blob-http-port"), help: "Plain HTTP port of the blob storage, for downloads without TLS (0: a free port, printed in the banner).")
    var blobHTTPPort = 8080

    @Flag(name: .customLong("strict-api-version"), help: "Refuse a CONNECT whose user name has no api-version.")
    var strictAPIVersion = false

    @Option(name: .customLong("dps-retry-after"), help: "Seconds a DPS registration stays 'assigning' (sent as retry-after; 0 assigns at the first poll).")
    var dpsRetryAfter = 3

    @Option(name: .customLong("c2d-lock-timeout"), help: "Seconds a delivered cloud-to-device message waits for its PUBACK; then the hub closes the device's connection and delivers it again on the next.")
    var cloudToDeviceLockTimeout = 60

    @Option(name: .customLong("max-connections"), help: "Open connections on both listeners together (default: 10000, at most the descriptor limit less 128).")
    var maximumConnections: Int?

    @Option(name: .customLong("max-connections-per-peer"), help: "Open connections from one IP address (default: a quarter of --max-connections).")
    var maximumConnectionsPerPeer: Int?

    @Option(name: .customLong("https-handshake-timeout"), help: "Seconds an HTTPS client has for its TLS handshake.")
    var httpsHandshakeTimeout = 10

    @Option(name: .customLong("https-header-timeout"), help: "Seconds from the TLS handshake to the end of the first request's headers.")
    var httpsHeaderTimeout = 30

    @Option(name: .customLong("https-body-timeout"), help: "Seconds from a request's headers to the end of its body.")
    var httpsBodyTimeout = 60

    @Option(name: .customLong("https-idle-timeout"), help: "Seconds a kept-alive HTTPS connection waits for its next request.")
    var httpsIdleTimeout = 120

    @Option(name: .customLong("telemetry-buffer-mib"), help: "MiB of telemetry kept for monitor-events; the oldest events go first.")
    var telemetryBufferMiB = 64

    @Option(name: .customLong("max-body-mib"), help: "MiB an HTTPS request body may have (413 beyond); JSON from a peer is never longer.")
    var maximumBodyMiB = Limits().maximumRequestBody / (1024 * 1024)

    @Option(name: .customLong("json-max-depth"), help: "Levels JSON from a peer may nest (a twin PATCH, a DPS registration, a service call's body).")
    var jsonMaximumDepth = Limits.defaultPeerJSON.maximumDepth

    @Option(name: .customLong("json-max-keys"), help: "Members one JSON object from a peer may have.")
    var jsonMaximumKeys = Limits.defaultPeerJSON.maximumKeysPerObject

    @Option(name: .customLong("refuse-subscription"), help: ArgumentHelp("A topic filter whose SUBSCRIBE the hub and DPS answer with a failure (SUBACK 0x80), to test a client's handling of it; '+' matches any one level, a final '#' the rest (repeatable).", valueName: "filter"))
    var refusedSubscriptions: [String] = []

    @Option(name: .customLong("dps-fault"), help: ArgumentHelp("Make DPS fail on purpose, to test a device's handling: 'reply:STATUS' answers every register and status request with that HTTP status (400-599; 429 with retry-after) and DPS's error body; 'drop' closes the connection at such a request, unanswered.", valueName: "fault"))
    var dpsFault: String?

    @Option(name: .customLong("blob-fault"), help: ArgumentHelp("Make blob storage fail on purpose, to test a device's firmware download: 'reply:STATUS' answers every blob read with that HTTP status (400-599) and Azure Storage's error; 'no-range' answers a ranged read with 200 and the whole blob.", valueName: "fault"))
    var blobFault: String?

    @Option(help: ArgumentHelp("Enforce an IoT Hub tier's daily message quota and operation throttles, as Azure documents them for F1, S1, S2 or S3 (403002 IoTHubQuotaExceeded, 429001 ThrottlingException; an MQTT device over them is disconnected). Default: none.", valueName: "tier"))
    var sku: String?

    @Option(help: "The tier's number of units (--sku; F1: 1, S1 and S2: up to 200, S3: up to 10).")
    var units: Int?

    @Option(name: .customLong("dps-registrations-per-minute"), help: ArgumentHelp("Throttle DPS as Azure does: this many device registrations a minute per instance (Azure's default: 1000) and 5 operation polls every 10 seconds per device, over which a request is answered 429 with retry-after. Default: no throttling.", valueName: "count"))
    var dpsRegistrationsPerMinute: Int?

    @Option(name: .customLong("server-root"), help: ArgumentHelp("The server root new TLS handshakes present: 'digicert-g2' (server-root-ca.pem) or 'baltimore' (server-root-baltimore.pem); switched at run time with 'nrfsim az iot hub emulator server-root set'.", valueName: "root"))
    var serverRoot = ServerRoot.digicertG2.rawValue

    @Option(name: .customLong("disconnect-every"), help: ArgumentHelp("Close every device connection every this many seconds, as IoT Hub does when it moves or updates a hub (devices must connect again). Default: never.", valueName: "seconds"))
    var disconnectEvery: Int?

    @OptionGroup var time: TimeScaleOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        for (flag, value) in [
            ("--https-handshake-timeout", self.httpsHandshakeTimeout), ("--https-header-timeout", self.httpsHeaderTimeout),
            ("--https-body-timeout", self.httpsBodyTimeout), ("--https-idle-timeout", self.httpsIdleTimeout),
            ("--telemetry-buffer-mib", self.telemetryBufferMiB), ("--max-body-mib", self.maximumBodyMiB),
            ("--json-max-depth", self.jsonMaximumDepth), ("--json-max-keys", self.jsonMaximumKeys),
            ("--max-connections", self.maximumConnections ?? 1), ("--max-connections-per-peer", self.maximumConnectionsPerPeer ?? 1),
        ] where value < 1 {
            throw ValidationError("\(flag) must be at least 1, not \(value)")
        }
        if let seconds = self.disconnectEvery, seconds < 1 {
            throw ValidationError("--disconnect-every must be at least 1 second, not \(seconds)")
        }
        do {
            _ = try ServerRoot(parsing: self.serverRoot)
        } catch {
            throw ValidationError("--server-root: \(error)")
        }
        if self.units != nil, self.sku == nil { throw ValidationError("--units \(self.units!) needs --sku (F1, S1, S2 or S3)") }
        do {
            _ = try self.hubSKU
        } catch {
            throw ValidationError("\(error)")
        }
        if let rate = self.dpsRegistrationsPerMinute, rate < 1 {
            throw ValidationError("--dps-registrations-per-minute must be at least 1, not \(rate) (Azure's default is 1000)")
        }
        if let fault = self.dpsFault {
            do {
                _ = try ProvisioningFault(parsing: fault)
            } catch {
                throw ValidationError("--dps-fault: \(error)")
            }
        }
        if let fault = self.blobFault {
            do {
                _ = try BlobFault(parsing: fault)
            } catch {
                throw ValidationError("--blob-fault: \(error)")
            }
        }
    }

    /// The tier from `--sku` and `--units`, or nil.
    var hubSKU: HubSKU? {
        get throws(HubSKUError) {
            guard let sku = self.sku else { return nil }
            return try HubSKU(tier: sku, units: self.units ?? 1)
        }
    }

    /// The listeners' bounds from the flags.
    var limits: Limits {
        var limits = Limits()
        if let total = self.maximumConnections {
            limits.maximumConnections = total
            limits.maximumConnectionsPerPeer = max(1, total / 4)
        }
        if let perPeer = self.maximumConnectionsPerPeer { limits.maximumConnectionsPerPeer = perPeer }
        limits.httpsHandshakeTimeout = .seconds(Int64(self.httpsHandshakeTimeout))
        limits.httpsHeaderTimeout = .seconds(Int64(self.httpsHeaderTimeout))
        limits.httpsBodyTimeout = .seconds(Int64(self.httpsBodyTimeout))
        limits.httpsIdleTimeout = .seconds(Int64(self.httpsIdleTimeout))
        limits.telemetryBufferBytes = self.telemetryBufferMiB * 1024 * 1024
        limits.maximumRequestBody = self.maximumBodyMiB * 1024 * 1024
        limits.json.maximumDepth = self.jsonMaximumDepth
        limits.json.maximumKeysPerObject = self.jsonMaximumKeys
        return limits
    }

    func run() async throws {
        let logger = self.logging.bootstrap(label: "nrfsim.hub")
        var options = HubServer.Options(dataDirectory: self.dataDirectory)
        options.host = self.host
        options.mqttPort = self.mqttPort
        options.httpsPort = self.httpsPort
        options.blobHTTPPort = self.blobHTTPPort
        options.strictAPIVersion = self.strictAPIVersion
        options.dpsRetryAfter = self.dpsRetryAfter
        options.cloudToDeviceLockTimeout = TimeInterval(self.cloudToDeviceLockTimeout)
        options.limits = self.limits
        options.refusedSubscriptions = SubscriptionRefusals(self.refusedSubscriptions)
        options.dpsFault = try self.dpsFault.map { try ProvisioningFault(parsing: $0) }
        options.blobFault = try self.blobFault.map { try BlobFault(parsing: $0) }
        options.sku = try self.hubSKU
        options.dpsRegistrationsPerMinute = self.dpsRegistrationsPerMinute
        options.serverRoot = try ServerRoot(parsing: self.serverRoot)
        options.disconnectEvery = self.disconnectEvery.map { .seconds(Int64($0)) }
        options.timeScale = try self.time.scale
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let server: HubServer
        do {
            server = try await HubServer.start(options, logger: logger)
        } catch {
            throw CommandFailure("cannot start the emulator: \(error)")
        }
        if let sku = options.sku {
            Console.print("Quotas and throttles of an IoT hub \(sku): \(sku.dailyMessages) messages a day")
        }
        Console.print(
            """
            IoT Hub emulator: mqtts://\(self.host):\(server.mqttPort) https://\(self.host):\(server.httpsPort)
            Blob storage over HTTP: http://\(self.host):\(server.blobHTTPPort ?? 0)
            Server roots (both, for clients that must trust either): \(server.pki.bundlePath)
            Server root CA: \(server.pki.chain(server.serverTLS.root).rootCertificatePath)
            """)
        for await _ in signals { break }
        await server.close()
        logger.info("emulator stopped")
    }
}

