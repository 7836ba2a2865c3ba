/// A fault DPS shows its devices on purpose (`nrfsim hub --dps-fault`), so that a device's handling of it can be
/// tested. Real DPS answers a throttled request 429 with `retry-after`, and an internal failure 500
/// ("Troubleshoot DPS: common error codes", learn.microsoft.com/azure/iot-dps/how-to-troubleshoot-dps); a network
/// path can lose the connection in the middle of a registration.
public enum ProvisioningFault: Sendable, Equatable, CustomStringConvertible {
    /// Every register and operation-status request is answered with this status (400–599) and DPS's error body;
    /// a 429 carries the service's `retry-after`.
    case reply(status: Int)
    /// The connection is closed at a register or operation-status request, which stays unanswered (no PUBACK either).
    case drop

    /// Parses `reply:STATUS` or `drop`.
    public init(parsing text: String) throws(ProvisioningFaultError) {
        if text == "drop" {
            self = .drop
            return
        }
        switch FaultReply(parsing: text) {
        case .status(let status): self = .reply(status: status)
        case .badStatus(let status): throw .badStatus(text, status)
        case .other: throw .unknown(text)
        }
    }

    public var description: String {
        switch self {
        case .reply(let status): "reply:\(status)"
        case .drop: "drop"
        }
    }

    /// DPS's error code and message for a forced status: the status followed by three digits, as DPS's own codes
    /// (401002, 404201, 429001, 500000) are.
    var errorCode: Int {
        guard case .reply(let status) = self else { return 0 }
        return status == 429 ? 429001 : status * 1000
    }
}

/// A `--dps-fault` value that is not `reply:STATUS` or `drop`.
public enum ProvisioningFaultError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case badStatus(String, String)

    public var description: String {
        switch self {
        case .unknown(let text): "'\(text)' is not a DPS fault: expected 'reply:STATUS' (an HTTP status, 400-599) or 'drop'"
        case .badStatus(let text, let status): "'\(text)': '\(status)' is not an HTTP error status (400-599)"
        }
    }
}
