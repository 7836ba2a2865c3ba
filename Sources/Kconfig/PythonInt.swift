/// Python's `int(text, base)` for the bases kconfiglib uses (0, 10, 16), so that fragment values, ranges and
/// relations accept and reject exactly what kconfiglib does: surrounding whitespace, a sign, `_` between digits,
/// optional `0x` for base 16, and prefix auto-detection (with no leading zeros) for base 0.
///
/// Values outside Int64 are reported as unparsable (kconfiglib would accept them); such values do not occur in
/// configuration files.
public enum PythonInt {
    public static func parse(_ text: String, base: Int) -> Int? {
        var scalars = Array(text.unicodeScalars)
        while let first = scalars.first, isPythonWhitespace(first) { scalars.removeFirst() }
        while let last = scalars.last, isPythonWhitespace(last) { scalars.removeLast() }
        var index = 0
        var negative = false
        if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" {
            negative = scalars[index] == "-"
            index += 1
        }
        var radix = base
        var sawPrefix = false
        if index + 1 < scalars.count, scalars[index] == "0" {
            let marker = Character(scalars[index + 1]).lowercased()
            if (base == 16 || base == 0) && marker == "x" {
                radix = 16
                sawPrefix = true
            } else if base == 0 && marker == "o" {
                radix = 8
                sawPrefix = true
            } else if base == 0 && marker == "b" {
                radix = 2
                sawPrefix = true
            }
            if sawPrefix { index += 2 }
        }
        if radix == 0 { radix = 10 }
        let digits = scalars[index...]
        guard !digits.isEmpty else { return nil }
        // Underscores: one at a time, between digits, or right after a base prefix.
        var previousWasUnderscore = !sawPrefix
        var value = 0
        var sawDigit = false
        var allZero = true
        for scalar in digits {
            if scalar == "_" {
                if previousWasUnderscore { return nil }
                previousWasUnderscore = true
                continue
            }
            guard let digit = Self.digitValue(scalar), digit < radix else { return nil }
            previousWasUnderscore = false
            sawDigit = true
            if digit != 0 { allZero = false }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (added, overflow2) = multiplied.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = added
        }
        if previousWasUnderscore || !sawDigit { return nil }
        // Base 0 rejects a decimal with leading zeros unless it is all zeros ("00" is fine, "010" is not).
        if base == 0, !sawPrefix, digits.first == "0", !allZero { return nil }
        return negative ? -value : value
    }

    static func isBase(_ text: String, _ base: Int) -> Bool { Self.parse(text, base: base) != nil }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: return Int(scalar.value - 0x30)
        case 0x61...0x7A: return Int(scalar.value - 0x61 + 10)
        case 0x41...0x5A: return Int(scalar.value - 0x41 + 10)
        default: return nil
        }
    }
}

/// Python's `str.isspace()` for one character.
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

extension String {
    /// Python's `str.strip()`.
    var pythonStripped: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, isPythonWhitespace(first) { scalars.removeFirst() }
        while let last = scalars.last, isPythonWhitespace(last) { scalars.removeLast() }
        return String(scalars)
    }

    /// Python's `str.rstrip()`.
    var pythonRightStripped: String {
        var scalars = Substring(self).unicodeScalars
        while let last = scalars.last, isPythonWhitespace(last) { scalars.removeLast() }
        return String(scalars)
    }

    /// Python's `str.lstrip()`.
    var pythonLeftStripped: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, isPythonWhitespace(first) { scalars.removeFirst() }
        return String(scalars)
    }

    /// Python's `str.isspace()`: non-empty and all whitespace.
    var pythonIsSpace: Bool { !self.isEmpty && self.unicodeScalars.allSatisfy(isPythonWhitespace) }
}
