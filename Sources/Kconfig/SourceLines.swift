/// The lines of a text file as Python's `open(f, "r", encoding="utf-8")` yields them: universal newlines (`\r\n` and
/// `\r` become `\n`), each line keeping its `\n`. A UTF-8 error surfaces when reading reaches the 8 KiB chunk that
/// holds it, as with Python's `TextIOWrapper`, with kconfiglib's "Malformed utf-8" message.
struct SourceLines {
    /// The text after newline translation.
    private let text: [UInt8]
    /// Where each line ends in `text` (after its `\n`, or at the end).
    private var ends: [Int] = []
    /// Where each line ends in the file's bytes, for the failure check.
    private var sourceEnds: [Int]?
    private var index = 0
    /// The byte offset from which reading fails, and the error to throw then.
    private var failure: (offset: Int, error: KconfigError)?

    init(bytes: [UInt8], displayName: String) {
        var validCount = bytes.count
        if String(validating: bytes, as: UTF8.self) == nil, let problem = UTF8Problem.find(in: bytes) {
            let line = 1 + bytes[..<problem.start].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            self.failure = (
                problem.chunkStart,
                KconfigError(problem.message(bytes: bytes, filename: displayName), location: "\(displayName):\(line)")
            )
            validCount = problem.start
        }
        guard bytes[..<validCount].contains(13) else {
            self.text = validCount == bytes.count ? bytes : Array(bytes[..<validCount])
            self.ends = Self.lineEnds(self.text)
            return
        }
        // Universal newlines: \r\n and \r become \n; remember where each line ended in the source.
        var translated: [UInt8] = []
        translated.reserveCapacity(validCount)
        var sourceEnds: [Int] = []
        var offset = 0
        while offset < validCount {
            var byte = bytes[offset]
            if byte == 13 {
                byte = 10
                if offset + 1 < validCount, bytes[offset + 1] == 10 { offset += 1 }
            }
            translated.append(byte)
            offset += 1
            if byte == 10 { sourceEnds.append(offset) }
        }
        if translated.last != 10, !translated.isEmpty { sourceEnds.append(validCount) }
        self.text = translated
        self.ends = Self.lineEnds(translated)
        self.sourceEnds = sourceEnds
    }

    private static func lineEnds(_ text: [UInt8]) -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(text.count / 24 + 1)
        text.withUnsafeBufferPointer { buffer in
            for position in 0..<buffer.count where buffer[position] == 10 { ends.append(position + 1) }
        }
        if let last = ends.last, last < text.count { ends.append(text.count) }
        if ends.isEmpty, !text.isEmpty { ends.append(text.count) }
        return ends
    }

    /// `readline()`: the next line with its `\n`, or an empty slice at the end of the file.
    mutating func readLine() throws -> ArraySlice<UInt8> {
        if let failure {
            let end = self.index < self.ends.count ? (self.sourceEnds?[self.index] ?? self.ends[self.index]) : Int.max
            if end > failure.offset { throw failure.error }
        }
        guard self.index < self.ends.count else { return [] }
        let start = self.index == 0 ? 0 : self.ends[self.index - 1]
        defer { self.index += 1 }
        return self.text[start..<self.ends[self.index]]
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
