/// Byte-level helpers for the tokenizer: kconfiglib's regexes are ASCII, while its `isspace()`/`strip()` calls are
/// Unicode-aware; these reproduce both on UTF-8 bytes.
enum Bytes {
    static func isIdentifier(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F, 0x24, 0x2F, 0x2E, 0x2D: return true
        default: return false
        }
    }

    static func isCommand(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F, 0x24, 0x2D: return true
        default: return false
        }
    }

    /// `[A-Za-z0-9_-]` (preprocessor assignment left-hand side).
    static func isAssignmentName(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F, 0x2D: return true
        default: return false
        }
    }

    /// `\w` with `re.ASCII`.
    static func isWord(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F: return true
        default: return false
        }
    }

    /// `\s` with `re.ASCII`.
    static func isASCIISpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// The length of the Python-whitespace character at `index`, or nil.
    static func spaceLength<C: RandomAccessCollection>(_ bytes: C, at index: C.Index) -> Int?
    where C.Element == UInt8, C.Index == Int {
        let byte = bytes[index]
        if byte < 0x80 {
            return byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F) ? 1 : nil
        }
        guard let (scalar, length) = self.decode(bytes, at: index) else { return nil }
        return isPythonWhitespace(scalar) ? length : nil
    }

    static func decode<C: RandomAccessCollection>(_ bytes: C, at index: C.Index) -> (Unicode.Scalar, Int)?
    where C.Element == UInt8, C.Index == Int {
        let lead = bytes[index]
        let length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard index + length <= bytes.endIndex else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = (value << 6) | (UInt32(bytes[index + offset]) & 0x3F) }
        return Unicode.Scalar(value).map { ($0, length) }
    }

    /// Python's `s.isspace()`.
    static func isSpace<C: RandomAccessCollection>(_ bytes: C) -> Bool where C.Element == UInt8, C.Index == Int {
        guard !bytes.isEmpty else { return false }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard let length = self.spaceLength(bytes, at: index) else { return false }
            index += length
        }
        return true
    }

    /// The index of the first non-whitespace byte (Python `lstrip()`).
    static func leftStripIndex<C: RandomAccessCollection>(_ bytes: C, from start: Int) -> Int
    where C.Element == UInt8, C.Index == Int {
        var index = start
        while index < bytes.endIndex, let length = self.spaceLength(bytes, at: index) { index += length }
        return index
    }

    static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes, as: UTF8.self)
    }

    static func hasPrefix<C: RandomAccessCollection>(_ bytes: C, _ prefix: String, at index: Int) -> Bool
    where C.Element == UInt8, C.Index == Int {
        var cursor = index
        for byte in prefix.utf8 {
            guard cursor < bytes.endIndex, bytes[cursor] == byte else { return false }
            cursor += 1
        }
        return true
    }
}
