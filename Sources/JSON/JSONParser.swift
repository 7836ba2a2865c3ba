extension JSONValue {
    /// Parses JSON text (RFC 8259) within `limits`, in time linear in its length.
    public static func parse(_ bytes: [UInt8], limits: JSONParser.Limits = .default) throws(JSONError) -> JSONValue {
        if bytes.count > limits.maximumBytes { throw .tooLarge(size: bytes.count, limit: limits.maximumBytes) }
        var parser = JSONParser(bytes: bytes, limits: limits)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        if parser.index != bytes.count { throw parser.fail("extra text after the value") }
        return value
    }

    /// Parses with the default limits but another nesting limit.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int) throws(JSONError) -> JSONValue {
        var limits = JSONParser.Limits.default
        limits.maximumDepth = maximumDepth
        return try Self.parse(bytes, limits: limits)
    }

    public static func parse(_ text: String, limits: JSONParser.Limits = .default) throws(JSONError) -> JSONValue {
        try Self.parse(Array(text.utf8), limits: limits)
    }
}

/// The RFC 8259 parser behind `JSONValue.parse`: one pass over the bytes, object members checked for duplicates
/// through `JSONObject`'s hash index, every limit enforced as the text is read.
public struct JSONParser {
    /// What the parser accepts. The defaults let through everything the hub's legitimate traffic carries, and more:
    /// IoT Hub caps a twin's desired and reported sections at 32 KB each and nests their properties at most 10
    /// levels deep ("Understand and use device twins in IoT Hub", Azure IoT Hub documentation, "Device twin size"
    /// and "Tags and properties format"); the emulator's HTTPS server takes bodies of up to 8 MiB. Callers that
    /// know their documents pass tighter limits.
    public struct Limits: Sendable, Equatable {
        /// The longest text, in bytes (default 32 MiB).
        public var maximumBytes: Int
        /// How deeply values nest: the top-level value is depth 0, each array element or member value one deeper
        /// (default 64).
        public var maximumDepth: Int
        /// The most members one object may have (default 65,536).
        public var maximumKeysPerObject: Int

        public init(maximumBytes: Int = 32 << 20, maximumDepth: Int = 64, maximumKeysPerObject: Int = 65_536) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
            self.maximumKeysPerObject = maximumKeysPerObject
        }

        public static let `default` = Limits()
    }

    let bytes: [UInt8]
    let limits: Limits
    var index = 0

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func fail(_ reason: String) -> JSONError { .malformed(offset: self.index, reason: reason) }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= self.limits.maximumDepth else { throw .tooDeep(offset: self.index, limit: self.limits.maximumDepth) }
        guard index < bytes.count else { throw self.fail("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var object = JSONObject()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw self.fail("expected a member name") }
                if object.count == self.limits.maximumKeysPerObject {
                    throw .tooManyKeys(offset: self.index, limit: self.limits.maximumKeysPerObject)
                }
                let key = try self.string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw self.fail("expected ':'") }
                index += 1
                skipSpace()
                if object[key] != nil { throw self.fail("duplicate member '\(key)'") }
                object.append(key, try self.value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw self.fail("unexpected end in an object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw self.fail("expected ',' or '}'") }
                index += 1
                return .object(object)
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try self.value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw self.fail("unexpected end in an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw self.fail("expected ',' or ']'") }
                index += 1
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try self.string())
        case UInt8(ascii: "t"): return try self.literal("true", .bool(true))
        case UInt8(ascii: "f"): return try self.literal("false", .bool(false))
        case UInt8(ascii: "n"): return try self.literal("null", .null)
        default:
            return try self.number()
        }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(JSONError) -> JSONValue {
        let spelled = Array(word.utf8)
        guard index + spelled.count <= bytes.count, Array(bytes[index..<(index + spelled.count)]) == spelled else {
            throw self.fail("unexpected character")
        }
        index += spelled.count
        return value
    }

    mutating func number() throws(JSONError) -> JSONValue {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        var isInteger = true
        let digitsStart = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        if index == digitsStart { throw self.fail("unexpected character") }
        if bytes[digitsStart] == 0x30, index - digitsStart > 1 { throw self.fail("a number with a leading zero") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let fraction = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            if index == fraction { throw self.fail("a number without fraction digits") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            if index == exponent { throw self.fail("a number without exponent digits") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw .malformed(offset: start, reason: "a number out of range") }
        return .number(value)
    }

    mutating func string() throws(JSONError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw self.fail("unterminated string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw self.fail("a string is not UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw self.fail("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try self.hex4()
                    if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try self.hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw self.fail("an unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw self.fail("an unpaired surrogate") }
                    out += Array(String(unicode).utf8)
                default:
                    throw self.fail("a bad escape")
                }
            case 0..<0x20:
                throw self.fail("a control character in a string")
            default:
                out.append(byte)
            }
        }
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw self.fail("a short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw self.fail("a bad \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
