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

    /// `fnmatch.fnmatchcase()`: `*`, `?`, `[seq]`, `[!seq]`. Every element but `*` matches one character, so the
    /// classic greedy match that backs up to the last `*` decides it in O(name × pattern) steps, without recursion
    /// (a backtracking match is exponential in the number of `*`s, and recursing per character overflows the stack
    /// on a long pattern).
    static func fnmatch(_ name: ArraySlice<Unicode.Scalar>, _ pattern: ArraySlice<Unicode.Scalar>) -> Bool {
        let elements = Self.compile(pattern)
        let name = Array(name)
        var position = 0
        var element = 0
        var lastStar: (element: Int, position: Int)?
        while position < name.count {
            if element < elements.count {
                switch elements[element] {
                case .star:
                    lastStar = (element, position)
                    element += 1
                    continue
                case .one(let matches) where matches(name[position]):
                    element += 1
                    position += 1
                    continue
                case .one:
                    break
                }
            }
            guard let star = lastStar else { return false }
            lastStar = (star.element, star.position + 1)
            element = star.element + 1
            position = star.position + 1
        }
        while element < elements.count, case .star = elements[element] { element += 1 }
        return element == elements.count
    }

    private enum Element {
        case star
        /// `?`, a `[…]` set or a literal character.
        case one((Unicode.Scalar) -> Bool)
    }

    private static func compile(_ pattern: ArraySlice<Unicode.Scalar>) -> [Element] {
        var elements: [Element] = []
        var rest = pattern
        while let first = rest.first {
            switch first {
            case "*":
                if case .star = elements.last {} else { elements.append(.star) }
                rest = rest.dropFirst()
            case "?":
                elements.append(.one { _ in true })
                rest = rest.dropFirst()
            case "[":
                if let (set, negate, after) = self.parseSet(rest) {
                    elements.append(.one { scalar in Self.setContains(set, scalar) != negate })
                    rest = after
                } else {
                    elements.append(.one { $0 == "[" })
                    rest = rest.dropFirst()
                }
            default:
                elements.append(.one { $0 == first })
                rest = rest.dropFirst()
            }
        }
        return elements
    }

    /// A `[…]` set at the start of `pattern`: its contents, whether it is negated, and the pattern after it; nil
    /// when the bracket is not closed (then it is a literal `[`).
    private static func parseSet(
        _ pattern: ArraySlice<Unicode.Scalar>
    ) -> (ArraySlice<Unicode.Scalar>, Bool, ArraySlice<Unicode.Scalar>)? {
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
        return (pattern[setStart..<index], negate, pattern[(index + 1)...])
    }

    private static func setContains(_ set: ArraySlice<Unicode.Scalar>, _ scalar: Unicode.Scalar) -> Bool {
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
        return found
    }
}
