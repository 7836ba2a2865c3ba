/// A message property bag as it travels in an IoT Hub topic: `k1=v1&k2&k3=` with RFC 3986 percent-encoding
/// (`+` is a literal plus). Order is kept; a key without `=` has no value (nil), `k=` has the empty value.
public struct PropertyBag: Equatable, Sendable {
    public var pairs: [(key: String, value: String?)]

    public init(_ pairs: [(key: String, value: String?)] = []) { self.pairs = pairs }

    public static func == (a: PropertyBag, b: PropertyBag) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public subscript(key: String) -> String?? {
        self.pairs.first { $0.key == key }.map { $0.value }
    }

    /// System properties: keys starting with `$.`.
    public var systemProperties: [(key: String, value: String?)] { self.pairs.filter { $0.key.hasPrefix("$.") } }
    /// Application properties: every other key.
    public var applicationProperties: [(key: String, value: String?)] { self.pairs.filter { !$0.key.hasPrefix("$.") } }

    /// Parses `bag = [ "?" ] pair *( "&" pair )`. An empty string is an empty bag.
    public static func parse(_ text: Substring) throws(TopicError) -> PropertyBag {
        var body = text
        if body.first == "?" { body = body.dropFirst() }
        var bag = PropertyBag()
        guard !body.isEmpty else { return bag }
        var seen = Set<String>()
        for pair in body.split(separator: "&", omittingEmptySubsequences: false) {
            let key: String
            var value: String?
            if let equals = pair.firstIndex(of: "=") {
                key = try percentDecode(pair[..<equals])
                value = try percentDecode(pair[pair.index(after: equals)...])
            } else {
                key = try percentDecode(pair)
            }
            if key.isEmpty { throw TopicError("an empty property name in '\(text)'") }
            if !seen.insert(key).inserted { throw TopicError("the property '\(key)' appears twice in '\(text)'") }
            bag.pairs.append((key, value))
        }
        return bag
    }

    /// The bag's wire form (no leading `?`), every character outside RFC 3986's unreserved set percent-encoded.
    public var encoded: String {
        self.pairs.map { pair in
            percentEncode(pair.key) + (pair.value.map { "=" + percentEncode($0) } ?? "")
        }.joined(separator: "&")
    }
}

/// A topic or property bag that does not follow IoT Hub's grammar.
public struct TopicError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { self.reason }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters `A-Z a-z 0-9 - . _ ~`.
public func percentEncode(_ text: String) -> String {
    var out = ""
    let hex = Array("0123456789ABCDEF")
    for byte in text.utf8 {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out.append("%")
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
    }
    return out
}

/// Percent-decoding; a `%` not followed by two hex digits, or bytes that are not UTF-8, are errors.
public func percentDecode(_ text: Substring) throws(TopicError) -> String {
    guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8)[...]
    while let byte = iterator.popFirst() {
        guard byte == UInt8(ascii: "%") else {
            bytes.append(byte)
            continue
        }
        guard iterator.count >= 2, let high = hexValue(iterator[iterator.startIndex]),
            let low = hexValue(iterator[iterator.startIndex + 1])
        else {
            throw TopicError("a bad percent-escape in '\(text)'")
        }
        bytes.append(high << 4 | low)
        iterator = iterator.dropFirst(2)
    }
    guard let decoded = String(validating: bytes, as: UTF8.self) else {
        throw TopicError("percent-escapes that are not UTF-8 in '\(text)'")
    }
    return decoded
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: return byte - 0x30
    case 0x41...0x46: return byte - 0x41 + 10
    case 0x61...0x66: return byte - 0x61 + 10
    default: return nil
    }
}
