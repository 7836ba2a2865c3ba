/// The final result code that ends every AT response.
public enum ATResult: Equatable, Sendable {
    case ok
    case error
    /// A `+CME ERROR: <code>`; written as a bare `ERROR` unless CMEE is enabled.
    case cmeError(CMEError)
}

/// A modem's reply to one command: information lines, then one final result code.
public struct ATResponse: Equatable, Sendable {
    /// Information lines, each without its CRLF. Bytes, because `%CMNG` reads return content verbatim.
    public var lines: [[UInt8]]
    public var result: ATResult

    public init(lines: [[UInt8]] = [], result: ATResult) {
        self.lines = lines
        self.result = result
    }

    /// `OK` with the given information lines.
    public static func ok(_ lines: String...) -> ATResponse {
        ATResponse(lines: lines.map { Array($0.utf8) }, result: .ok)
    }

    public static let error = ATResponse(result: .error)

    public static func cme(_ code: CMEError) -> ATResponse {
        ATResponse(result: .cmeError(code))
    }

    /// The response as the modem writes it to the UART: every line and the final code end with CRLF; no echo.
    /// - Parameter cmeeEnabled: whether `AT+CMEE=1` is in force; otherwise CME errors are written as `ERROR`.
    public func encoded(cmeeEnabled: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(self.lines.reduce(16) { $0 + $1.count + 2 })
        for line in self.lines {
            out += line
            out += [0x0D, 0x0A]
        }
        switch self.result {
        case .ok:
            out += Array("OK\r\n".utf8)
        case .error:
            out += Array("ERROR\r\n".utf8)
        case .cmeError(let code):
            out += Array((cmeeEnabled ? "+CME ERROR: \(code.rawValue)\r\n" : "ERROR\r\n").utf8)
        }
        return out
    }
}
