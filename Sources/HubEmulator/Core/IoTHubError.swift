/// An error of IoT Hub's (or DPS's) service API: the HTTP status, the six-digit error code and its name, and the
/// message, as Azure's error bodies carry them ("Understand and resolve Azure IoT Hub errors", Azure IoT Hub
/// documentation: e.g. 404001 DeviceNotFound, 412002 PreconditionFailed, 429001 ThrottlingException). One factory
/// per code; the HTTP layer renders the body.
public struct IoTHubError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let code: Int
    public let name: String
    public let message: String

    private init(_ status: Int, _ code: Int, _ name: String, _ message: String) {
        self.status = status
        self.code = code
        self.name = name
        self.message = message
    }

    public var description: String { "\(self.status) \(self.code) \(self.name): \(self.message)" }

    // MARK: 400
    public static func argumentInvalid(_ message: String) -> Self { .init(400, 400004, "ArgumentInvalid", message) }
    public static func invalidResourceName(_ message: String) -> Self { .init(400, 400000, "InvalidResourceName", message) }
    public static func invalidInput(_ message: String) -> Self { .init(400, 400000, "InvalidInput", message) }

    // MARK: 401, 403
    public static func unauthorized(_ reason: String) -> Self { .init(401, 401002, "IotHubUnauthorizedAccess", reason) }
    public static func tokenExpired(_ message: String) -> Self { .init(401, 401003, "IotHubUnauthorizedAccess", message) }
    /// The hub's daily message quota is spent: every metered operation fails until 00:00 UTC.
    public static func quotaExceeded(_ message: String) -> Self { .init(403, 403002, "IoTHubQuotaExceeded", message) }
    public static func deviceMaximumQueueDepthExceeded(_ message: String) -> Self {
        .init(403, 403004, "DeviceMaximumQueueDepthExceeded", message)
    }

    // MARK: 404
    public static func notFound(_ message: String) -> Self { .init(404, 404000, "NotFound", message) }
    public static func blobNotFound(_ message: String) -> Self { .init(404, 404000, "BlobNotFound", message) }
    public static func deviceNotFound(_ id: String) -> Self { .init(404, 404001, "DeviceNotFound", "Device \(id) not registered") }
    public static func certificateNotFound(_ message: String) -> Self { .init(404, 404001, "CertificateNotFound", message) }
    public static func iotHubNotFound(_ message: String) -> Self { .init(404, 404002, "IotHubNotFound", message) }
    public static func deviceNotOnline(_ message: String) -> Self { .init(404, 404103, "DeviceNotOnline", message) }
    public static func provisioningNotFound(_ message: String) -> Self { .init(404, 404201, "NotFound", message) }
    public static func provisioningServiceNotFound(_ message: String) -> Self { .init(404, 404201, "ProvisioningServiceNotFound", message) }

    // MARK: 405, 409, 412, 413
    public static func unsupportedHttpVerb(_ message: String) -> Self { .init(405, 405000, "UnsupportedHttpVerb", message) }
    public static func blobAlreadyExists(_ message: String) -> Self { .init(409, 409000, "BlobAlreadyExists", message) }
    public static func deviceAlreadyExists(_ message: String) -> Self { .init(409, 409001, "DeviceAlreadyExists", message) }
    public static func conflict(_ message: String) -> Self { .init(409, 409201, "Conflict", message) }
    public static func preconditionFailed(_ message: String) -> Self { .init(412, 412001, "PreconditionFailed", message) }
    public static func messageTooLarge(_ message: String) -> Self { .init(413, 413001, "MessageTooLarge", message) }

    // MARK: 429
    /// An operation over its throttle ("IoT Hub quotas and throttling").
    public static func throttled(_ message: String) -> Self { .init(429, 429001, "ThrottlingException", message) }

    // MARK: 500, 503, 504
    public static func serverError(_ message: String) -> Self { .init(500, 500001, "ServerError", message) }
    public static func serviceUnavailable(_ message: String) -> Self { .init(503, 503000, "ServiceUnavailable", message) }
    public static func gatewayTimeout(_ message: String) -> Self { .init(504, 504101, "GatewayTimeout", message) }
}
