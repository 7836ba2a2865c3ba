import Foundation
import JSON
import NIOCore

/// Every resource bound of the emulator's listeners, in one place, with its default and the `nrfsim hub` flag that
/// changes it. A client that reaches a bound is refused clearly (HTTP 503 ServerBusy, CONNACK 3 "server
/// unavailable", or a closed connection that is logged) and every other client goes on being served.
public struct Limits: Sendable {
    /// Open connections on both listeners together (`--max-connections`). Default: 10,000, but never more than the
    /// process's descriptor limit (`RLIMIT_NOFILE`) less 128 kept for the database, logs and files.
    public var maximumConnections: Int
    /// Open connections from one IP address (`--max-connections-per-peer`). Default: a quarter of the total, so that
    /// one host cannot lock out the others.
    public var maximumConnectionsPerPeer: Int
    /// Refused connections being answered at once; past this, a refused connection is closed without an answer.
    public var maximumRefusalsInFlight = 64

    /// HTTPS: the TLS handshake (`--https-handshake-timeout`, seconds).
    public var httpsHandshakeTimeout: TimeAmount = .seconds(10)
    /// HTTPS: from the handshake to the end of the first request's head (`--https-header-timeout`).
    public var httpsHeaderTimeout: TimeAmount = .seconds(30)
    /// HTTPS: from a request's head to the end of its body (`--https-body-timeout`).
    public var httpsBodyTimeout: TimeAmount = .seconds(60)
    /// HTTPS: a kept-alive connection's wait for its next request (`--https-idle-timeout`).
    public var httpsIdleTimeout: TimeAmount = .seconds(120)
    /// HTTPS: the largest request body (`--max-body-mib`), 8 MiB by default (a firmware image uploaded as base64
    /// JSON fits). A JSON body is never longer, so ``json``'s byte bound follows it.
    public var maximumRequestBody = 8 * 1024 * 1024 {
        didSet { self.json.maximumBytes = self.maximumRequestBody }
    }

    /// The telemetry kept for `monitor-events`, in bytes (`--telemetry-buffer-mib`); the oldest events go first.
    public var telemetryBufferBytes = Limits.defaultTelemetryBufferBytes
    public static let defaultTelemetryBufferBytes = 64 * 1024 * 1024

    /// JSON from a peer (a twin PATCH, a DPS registration, a service call's body), enforced while it is parsed:
    /// at most the largest HTTP body (8 MiB), 32 levels (`--json-max-depth`), 4,096 members an object
    /// (`--json-max-keys`). Twins allow 32 KB a section and 10 levels of properties ("Understand and use device twins
    /// in IoT Hub", learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins), which these defaults never cut
    /// short; they stop a document built to cost CPU.
    public var json = Limits.defaultPeerJSON
    public static let defaultPeerJSON = JSONParser.Limits(maximumBytes: 8 * 1024 * 1024, maximumDepth: 32, maximumKeysPerObject: 4096)

    /// Both listeners: a connection stops being read while this much of its output waits to be sent, and is read
    /// again once it has drained to half of it (NIO's write buffer water marks).
    public var outboundBufferBytes = 256 * 1024

    public init(descriptorLimit: Int? = Limits.descriptorLimit()) {
        let total = min(10_000, max(16, (descriptorLimit ?? 10_128) - 128))
        self.maximumConnections = total
        self.maximumConnectionsPerPeer = max(1, total / 4)
    }

    /// The soft `RLIMIT_NOFILE`, or nil when it is unlimited or unknown.
    public static func descriptorLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// The write buffer water marks for ``outboundBufferBytes``.
    var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark {
        .init(low: self.outboundBufferBytes / 2, high: self.outboundBufferBytes)
    }
}
