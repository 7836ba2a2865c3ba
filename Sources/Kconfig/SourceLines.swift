/// The lines of a text file as Python's `open(f, "r", encoding="utf-8")` yields them: universal newlines (`\r\n` and
/// `\r` become `\n`), each line keeping its `\n`. A UTF-8 error surfaces when reading reaches the 8 KiB chunk that
/// holds it, as with Python's `TextIOWrapper`, with kconfiglib's "Malformed utf-8" message.
struct SourceLines {
    private var lines: [ArraySlice<UInt8>]
    private var lineEnds: [Int] = []
    private var index = 0
    /// The byte offset from which reading fails, and the error to throw then.
    private var failure: (offset: Int, error: KconfigError)?

    init(lines: [ArraySlice<UInt8>]) {
        self.lines = lines
    }

    init(bytes: [UInt8], displayName: String) {
        var valid = bytes[...]
        if let problem = UTF8Problem.find(in: bytes) {
            let chunkStart = problem.chunkStart
            let line = 1 + bytes[..<problem.start].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            self.failure = (
                chunkStart,
                KconfigError(problem.message(bytes: bytes, filename: displayName), location: "\(displayName):\(line)")
            )
            valid = bytes[..<problem.start]
        }
        self.lines = []
        var start = valid.startIndex
        var translated: [UInt8] = []
        var current = valid.startIndex
        let hasCR = valid.contains(13)
        if hasCR {
            translated.reserveCapacity(valid.count)
            var offset = valid.startIndex
            while offset < valid.endIndex {
                let byte = valid[offset]
                if byte == 13 {
                    translated.append(10)
                    if offset + 1 < valid.endIndex, valid[offset + 1] == 10 { offset += 1 }
                } else {
                    translated.append(byte)
                }
                self.lineEnds.append(offset + 1)
                offset += 1
            }
            var lineStart = 0
            for (position, byte) in translated.enumerated() where byte == 10 {
                self.lines.append(translated[lineStart...position])
                lineStart = position + 1
            }
            if lineStart < translated.count { self.lines.append(translated[lineStart...]) }
            // Map each line to the source offset of its end for the failure check.
            var ends: [Int] = []
            var consumed = 0
            for line in self.lines {
                consumed += line.count
                ends.append(self.lineEnds[consumed - 1])
            }
            self.lineEnds = ends
            return
        }
        while current < valid.endIndex {
            if valid[current] == 10 {
                self.lines.append(valid[start...current])
                self.lineEnds.append(current + 1)
                start = current + 1
            }
            current += 1
        }
        if start < valid.endIndex {
            self.lines.append(valid[start...])
            self.lineEnds.append(valid.endIndex)
        }
    }

    /// `readline()`: the next line with its `\n`, or an empty array at the end of the file.
    mutating func readLine() throws -> ArraySlice<UInt8> {
        if let failure {
            let end = self.index < self.lineEnds.count ? self.lineEnds[self.index] : Int.max
            if end > failure.offset { throw failure.error }
        }
        guard self.index < self.lines.count else { return [] }
        defer { self.index += 1 }
        return self.lines[self.index]
    }
}

/// The first UTF-8 decoding error in a byte string, described as CPython's decoder would.
struct UTF8Problem {
    var start: Int
    var end: Int
    var reason: String

    static let chunkSize = 8192

    /// The start of the chunk Python was decoding when it met the error (the object the error refers to).
    var chunkStart: Int { (self.start / Self.chunkSize) * Self.chunkSize }

    static func find(in bytes: [UInt8]) -> UTF8Problem? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return UTF8Problem(start: index, end: index + 1, reason: "invalid start byte")
            }
            for offset in 1..<length {
                guard index + offset < count else {
                    return UTF8Problem(start: index, end: count, reason: "unexpected end of data")
                }
                let byte = bytes[index + offset]
                let (lower, upper) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                if byte < lower || byte > upper {
                    return UTF8Problem(start: index, end: index + offset, reason: "invalid continuation byte")
                }
            }
            index += length
        }
        return nil
    }

    /// `_decoding_error()`'s message.
    func message(bytes: [UInt8], filename: String) -> String {
        let base = self.chunkStart
        let object = Array(bytes[base..<min(bytes.count, base + Self.chunkSize)])
        let start = self.start - base
        let end = min(self.end - base, object.count)
        let context = object[max(start - 40, 0)..<min(end + 40, object.count)]
        let problematic = object[start..<end]
        return "\nMalformed utf-8 in '\(filename)'\nContext: \(pythonBytesRepr(context))\n"
            + "Problematic data: \(pythonBytesRepr(problematic))\nReason: \(self.reason)"
    }
}

/// Python's `repr()` of a `bytes` object.
func pythonBytesRepr<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let quote: UInt8 = bytes.contains(39) && !bytes.contains(34) ? 34 : 39
    var out = "b" + String(UnicodeScalar(quote))
    let hex = Array("0123456789abcdef")
    for byte in bytes {
        switch byte {
        case quote, 92: out += "\\" + String(UnicodeScalar(byte))
        case 9: out += "\\t"
        case 10: out += "\\n"
        case 13: out += "\\r"
        case 32..<127: out.unicodeScalars.append(UnicodeScalar(byte))
        default: out += "\\x" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
        }
    }
    return out + String(UnicodeScalar(quote))
}
