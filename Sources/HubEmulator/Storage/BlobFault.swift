/// A fault blob storage shows on purpose (`nrfsim hub --blob-fault`), so that a device's download of a firmware
/// image can be tested against it: a refused read (an expired or wrong SAS is a 403, a missing blob a 404, a
/// failing service a 500 or 503, "Common REST API error codes", learn.microsoft.com/rest/api/storageservices/
/// common-rest-api-error-codes) or a server that ignores `Range` and sends the whole blob with 200.
public enum BlobFault: Sendable, Equatable, CustomStringConvertible {
    /// Every blob read is answered with this status (400-599), Azure Storage's message as the reason phrase and
    /// its XML error body.
    case reply(status: Int)
    /// A ranged read is answered 200 with the whole blob, as by a server without range support.
    case noRange

    /// Parses `reply:STATUS` or `no-range`.
    public init(parsing text: String) throws(BlobFaultError) {
        if text == "no-range" {
            self = .noRange
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
        case .noRange: "no-range"
        }
    }

    /// Azure Storage's error code and message for a forced status (the common REST API error codes page); a
    /// status it does not list gets a generic pair.
    var error: (code: String, message: String) {
        guard case .reply(let status) = self else { return ("", "") }
        switch status {
        case 403:
            return ("AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.")
        case 404: return ("BlobNotFound", "The specified blob does not exist.")
        case 500: return ("InternalError", "The server encountered an internal error. Please retry the request.")
        case 503: return ("ServerBusy", "The server is currently unable to receive requests. Please retry your request.")
        default: return ("NrfsimFault", "Failed as configured (nrfsim hub --blob-fault \(self)).")
        }
    }
}

/// A `--blob-fault` value that is not `reply:STATUS` or `no-range`.
public enum BlobFaultError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case badStatus(String, String)

    public var description: String {
        switch self {
        case .unknown(let text):
            "'\(text)' is not a blob storage fault: expected 'reply:STATUS' (an HTTP status, 400-599) or 'no-range'"
        case .badStatus(let text, let status): "'\(text)': '\(status)' is not an HTTP error status (400-599)"
        }
    }
}
