/// Python's `glob.iglob(pattern)` (no `**` recursion, hidden files only matched by patterns starting with `.`),
/// and `fnmatch` for one path component. kconfiglib sorts the result.
enum Glob {
    static func hasMagic(_ text: String) -> Bool { text.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    static func glob(_ pattern: String) -> [String] {
        self.iglob(pattern, directoriesOnly: false)
    }

    private static func iglob(_ pattern: String, directoriesOnly: Bool) -> [String] {
        let (dirname, basename) = FileSystem.split(pattern)
        if !self.hasMagic(pattern) {
            if !basename.isEmpty {
                return FileSystem.lexists(pattern) ? [pattern] : []
            }
            return FileSystem.isDirectory(dirname) ? [pattern] : []
        }
        if dirname.isEmpty {
            return self.globInDirectory("", basename, directoriesOnly: directoriesOnly)
        }
        let directories: [String]
        if dirname != pattern && self.hasMagic(dirname) {
            directories = self.iglob(dirname, directoriesOnly: true)
        } else {
            directories = [dirname]
        }
        var results: [String] = []
        for directory in directories {
            let names: [String]
            if self.hasMagic(basename) {
                names = self.globInDirectory(directory, basename, directoriesOnly: directoriesOnly)
            } else if basename.isEmpty {
                names = FileSystem.isDirectory(directory) ? [basename] : []
            } else {
                names = FileSystem.lexists(FileSystem.join(directory, basename)) ? [basename] : []
            }
            results += names.map { FileSystem.join(directory, $0) }
        }
        return results
    }

    private static func globInDirectory(_ directory: String, _ pattern: String, directoriesOnly: Bool) -> [String] {
        var names = FileSystem.list(directory, directoriesOnly: directoriesOnly)
        if !pattern.hasPrefix(".") { names.removeAll { $0.hasPrefix(".") } }
        let compiled = Array(pattern.unicodeScalars)
        return names.filter { self.fnmatch(Array($0.unicodeScalars)[...], compiled[...]) }
    }

    /// `fnmatch.fnmatchcase()`: `*`, `?`, `[seq]`, `[!seq]`.
    static func fnmatch(_ name: ArraySlice<Unicode.Scalar>, _ pattern: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        switch first {
        case "*":
            var rest = pattern.dropFirst()
            while rest.first == "*" { rest = rest.dropFirst() }
            if rest.isEmpty { return true }
            var candidate = name
            while true {
                if self.fnmatch(candidate, rest) { return true }
                if candidate.isEmpty { return false }
                candidate = candidate.dropFirst()
            }
        case "?":
            return !name.isEmpty && self.fnmatch(name.dropFirst(), pattern.dropFirst())
        case "[":
            if let (matches, rest) = self.matchSet(name.first, pattern) {
                return matches && self.fnmatch(name.dropFirst(), rest)
            }
            return name.first == "[" && self.fnmatch(name.dropFirst(), pattern.dropFirst())
        default:
            return name.first == first && self.fnmatch(name.dropFirst(), pattern.dropFirst())
        }
    }

    /// A `[…]` set at the start of `pattern`: whether `scalar` matches it and the pattern after it; nil when the
    /// bracket is not closed (then it is a literal `[`).
    private static func matchSet(
        _ scalar: Unicode.Scalar?, _ pattern: ArraySlice<Unicode.Scalar>
    ) -> (Bool, ArraySlice<Unicode.Scalar>)? {
        var index = pattern.index(after: pattern.startIndex)
        var negate = false
        if index < pattern.endIndex, pattern[index] == "!" {
            negate = true
            index += 1
        }
        let setStart = index
        if index < pattern.endIndex, pattern[index] == "]" { index += 1 }
        while index < pattern.endIndex, pattern[index] != "]" { index += 1 }
        guard index < pattern.endIndex else { return nil }
        let set = pattern[setStart..<index]
        let rest = pattern[(index + 1)...]
        guard let scalar else { return (false, rest) }
        var found = false
        var cursor = set.startIndex
        while cursor < set.endIndex {
            if cursor + 2 < set.endIndex, set[cursor + 1] == "-" {
                if set[cursor].value <= scalar.value && scalar.value <= set[cursor + 2].value { found = true }
                cursor += 3
            } else {
                if set[cursor] == scalar { found = true }
                cursor += 1
            }
        }
        return (found != negate, rest)
    }
}
