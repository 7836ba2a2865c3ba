/// Why an AT line could not be parsed, and where (a 1-based column in the trimmed line).
public struct ATSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var column: Int

    public init(_ reason: String, column: Int) {
        self.reason = reason
        self.column = column
    }

    public var description: String { "\(self.reason) at column \(self.column)" }
}

extension ATCommand {
    /// Parses one command line as the modem receives it (already framed, without its terminator).
    ///
    /// Leading and trailing CR, LF, blanks and NULs are stripped. The `AT` prefix and names are case-insensitive.
    /// - Throws: ``ATSyntaxError`` naming what was wrong and its column.
    public static func parse(_ line: [UInt8]) throws(ATSyntaxError) -> ATCommand {
        let bytes = Self.trimmed(line)
        guard bytes.count >= 2, bytes[0] | 0x20 == UInt8(ascii: "a"), bytes[1] | 0x20 == UInt8(ascii: "t") else {
            throw ATSyntaxError("line does not start with \"AT\"", column: 1)
        }
        var index = 2
        if index == bytes.count {
            return ATCommand(name: "", form: .action)
        }
        let prefix = bytes[index]
        guard prefix == UInt8(ascii: "+") || prefix == UInt8(ascii: "%") || prefix == UInt8(ascii: "#") else {
            throw ATSyntaxError("expected '+', '%' or '#' after \"AT\"", column: index + 1)
        }
        index += 1
        let nameStart = index
        while index < bytes.count, Self.isNameByte(bytes[index]) {
            index += 1
        }
        guard index > nameStart else {
            throw ATSyntaxError("missing command name", column: index + 1)
        }
        let name = String(decoding: bytes[(nameStart - 1)..<index], as: UTF8.self).uppercased()
        let rest = bytes[index...]
        if rest.isEmpty {
            return ATCommand(name: name, form: .action)
        }
        if rest.elementsEqual("?".utf8) {
            return ATCommand(name: name, form: .read)
        }
        if rest.elementsEqual("=?".utf8) {
            return ATCommand(name: name, form: .test)
        }
        guard bytes[index] == UInt8(ascii: "=") else {
            throw ATSyntaxError("unexpected character after command name", column: index + 1)
        }
        let parameters = try Self.parseParameters(bytes, from: index + 1)
        return ATCommand(name: name, form: .set, parameters: parameters)
    }

    /// Parses a command given as text.
    public static func parse(_ line: String) throws(ATSyntaxError) -> ATCommand {
        try Self.parse(Array(line.utf8))
    }

    private static func parseParameters(_ bytes: [UInt8], from start: Int) throws(ATSyntaxError) -> [ATParameter] {
        var parameters: [ATParameter] = []
        var index = start
        while true {
            while index < bytes.count, Self.isBlank(bytes[index]) { index += 1 }
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
                    throw ATSyntaxError("unterminated quoted parameter", column: index + 1)
                }
                parameters.append(.quoted(Array(bytes[(index + 1)..<close])))
                index = close + 1
                while index < bytes.count, Self.isBlank(bytes[index]) { index += 1 }
                if index < bytes.count, bytes[index] != UInt8(ascii: ",") {
                    throw ATSyntaxError("expected ',' after quoted parameter", column: index + 1)
                }
            } else {
                let tokenStart = index
                while index < bytes.count, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "\"") {
                        throw ATSyntaxError("unexpected '\"' inside unquoted parameter", column: index + 1)
                    }
                    index += 1
                }
                var tokenEnd = index
                while tokenEnd > tokenStart, Self.isBlank(bytes[tokenEnd - 1]) { tokenEnd -= 1 }
                let token = bytes[tokenStart..<tokenEnd]
                if token.isEmpty {
                    parameters.append(.empty)
                } else {
                    if let bad = token.firstIndex(where: { $0 < 0x20 || $0 >= 0x7F }) {
                        throw ATSyntaxError("control or non-ASCII byte in parameter", column: bad + 1)
                    }
                    parameters.append(.token(String(decoding: token, as: UTF8.self)))
                }
            }
            if index >= bytes.count {
                return parameters
            }
            index += 1  // the comma
        }
    }

    private static func trimmed(_ line: [UInt8]) -> [UInt8] {
        let isTrim: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09 || $0 == 0x00 }
        guard let first = line.firstIndex(where: { !isTrim($0) }), let last = line.lastIndex(where: { !isTrim($0) })
        else { return [] }
        return Array(line[first...last])
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}
