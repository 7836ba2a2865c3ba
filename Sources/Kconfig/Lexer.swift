/// `Kconfig._tokenize()` and its string/name expansion helpers.
extension Kconfig {
    /// Splits one (joined) line into tokens ending in `.end`. Registers new symbols as it meets them.
    func tokenize(_ line: ArraySlice<UInt8>) throws -> [Token] {
        self.currentLine = line
        if let tokens = self.tokenizeFast(line) { return tokens }
        // `s` stays a view of the file's bytes until a macro expansion rewrites the line.
        var s = line
        var tokens: [Token] = []
        swap(&tokens, &self.tokens)
        tokens.removeAll(keepingCapacity: true)
        // Initial token: \s*([A-Za-z0-9_$-]+)\s*
        var i = s.startIndex
        while i < s.endIndex, Bytes.isASCIISpace(s[i]) { i += 1 }
        let nameStart = i
        while i < s.endIndex, Bytes.isCommand(s[i]) { i += 1 }
        if i == nameStart {
            if Bytes.isSpace(s) { return [.end] }
            let stripped = Bytes.leftStripIndex(s, from: s.startIndex)
            if stripped < s.endIndex, s[stripped] == UInt8(ascii: "#") { return [.end] }
            throw self.parseError("unknown token at start of line")
        }
        let firstKeyword = Keyword.match(s[nameStart..<i])
        while i < s.endIndex, Bytes.isASCIISpace(s[i]) { i += 1 }
        guard let firstKeyword else {
            if Bytes.string(s).trimmingPython(" \t\n-") == "help" { return [.keyword(.help), .end] }
            try self.parseAssignment(Array(s))
            return [.end]
        }
        tokens.append(.keyword(firstKeyword))
        var previous: Token = .keyword(firstKeyword)
        while i < s.endIndex {
            let token: Token
            var end = i
            while end < s.endIndex, Bytes.isIdentifier(s[end]) { end += 1 }
            if end > i {
                let wordEnd = end
                while end < s.endIndex, Bytes.isASCIISpace(s[end]) { end += 1 }
                let previousIsStringLex = previous.keyword?.isStringLex ?? false
                if let keyword = Keyword.match(s[i..<wordEnd]) {
                    token = .keyword(keyword)
                    i = end
                } else if !previousIsStringLex {
                    // A `$(` starts at a `$` of the word; its `(` may be the byte after it.
                    let withNext = s[i..<min(wordEnd + 1, s.endIndex)]
                    if s[i..<wordEnd].contains(UInt8(ascii: "$")) && !containsMacro(withNext) {
                        // `_expand_name()` without a `$(`: the word itself, then Python whitespace.
                        token = .symbol(self.lookupSymbol(bytes: s[i..<wordEnd]))
                        i = wordEnd
                        while i < s.endIndex, let length = Bytes.spaceLength(s, at: i) { i += length }
                    } else if s[i..<wordEnd].contains(UInt8(ascii: "$")) {
                        let offset = s.startIndex
                        var array = Array(s)
                        let name: String
                        (name, array, i) = try self.expandName(array, i - offset)
                        s = array[...]
                        if name == "n" || name == "m" || name == "y" {
                            token = .symbol(self.constSyms[name]!)
                        } else {
                            token = .symbol(self.lookupSymbol(name))
                        }
                    } else {
                        let word = s[i..<wordEnd]
                        i = end
                        if word.count == 1, let letter = word.first,
                            letter == UInt8(ascii: "n") || letter == UInt8(ascii: "m") || letter == UInt8(ascii: "y")
                        {
                            token = .symbol(letter == UInt8(ascii: "n") ? self.n : letter == UInt8(ascii: "m") ? self.m : self.y)
                        } else {
                            token = .symbol(self.lookupSymbol(bytes: word))
                        }
                    }
                } else {
                    let name = Bytes.string(s[i..<wordEnd])
                    if !previous.isKeyword(.choice) {
                        self.warn(
                            "style: quotes recommended around '\(name)' in '\(Bytes.string(self.currentLine).pythonStripped)'",
                            file: self.filename, line: self.linenr)
                    }
                    token = .text(name)
                    i = end
                }
            } else {
                let c = s[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    let value: String
                    if !s.contains(UInt8(ascii: "$")) && !s.contains(UInt8(ascii: "\\")) {
                        guard let close = s[(i + 1)...].firstIndex(of: c) else {
                            throw self.parseError("unterminated string")
                        }
                        value = Bytes.string(s[(i + 1)..<close])
                        i = close + 1
                    } else {
                        let (content, endIndex) = try self.expandString(s, i)
                        value = self.expandVars(Bytes.string(content))
                        i = endIndex
                    }
                    let isText = (previous.keyword?.isStringLex ?? false) || tokens[0].isKeyword(.option)
                    token = isText ? .text(value) : .symbol(self.lookupConstSymbol(value))
                } else if Bytes.hasPrefix(s, "&&", at: i) {
                    token = .and
                    i += 2
                } else if Bytes.hasPrefix(s, "||", at: i) {
                    token = .or
                    i += 2
                } else if c == UInt8(ascii: "=") {
                    token = .relation(.equal)
                    i += 1
                } else if Bytes.hasPrefix(s, "!=", at: i) {
                    token = .relation(.unequal)
                    i += 2
                } else if c == UInt8(ascii: "!") {
                    token = .not
                    i += 1
                } else if c == UInt8(ascii: "(") {
                    token = .openParen
                    i += 1
                } else if c == UInt8(ascii: ")") {
                    token = .closeParen
                    i += 1
                } else if c == UInt8(ascii: "#") {
                    break
                } else if Bytes.hasPrefix(s, "<=", at: i) {
                    token = .relation(.lessEqual)
                    i += 2
                } else if c == UInt8(ascii: "<") {
                    token = .relation(.less)
                    i += 1
                } else if Bytes.hasPrefix(s, ">=", at: i) {
                    token = .relation(.greaterEqual)
                    i += 2
                } else if c == UInt8(ascii: ">") {
                    token = .relation(.greater)
                    i += 1
                } else {
                    throw self.parseError("unknown tokens in line")
                }
                while i < s.endIndex, let length = Bytes.spaceLength(s, at: i) { i += length }
            }
            tokens.append(token)
            previous = token
        }
        tokens.append(.end)
        return tokens
    }

    /// `_expand_name()`: expands `$(…)` inside a symbol name starting at `i`.
    func expandName(_ line: [UInt8], _ start: Int) throws -> (String, [UInt8], Int) {
        var s = line
        var i = start
        // _name_special_search: [^A-Za-z0-9_$/.-]|\$\(|$
        while true {
            var j = i
            while j < s.count {
                if Bytes.hasPrefix(s, "$(", at: j) || !Bytes.isIdentifier(s[j]) { break }
                j += 1
            }
            if j < s.count, Bytes.hasPrefix(s, "$(", at: j) {
                (s, i) = try self.expandMacro(s, j, args: [])
                continue
            }
            i = j
            break
        }
        let name = Bytes.string(s[start..<i])
        if name.pythonStripped.isEmpty { throw self.parseError("macro expanded to blank string") }
        while i < s.count, let length = Bytes.spaceLength(s, at: i) { i += length }
        return (name, s, i)
    }

    /// `_expand_str()`: the contents of the quoted string at `start`, with `$(…)` expanded and backslashes removed,
    /// and the index in `line` just past the closing quote. kconfiglib rewrites the whole line for each backslash
    /// and macro; the contents are built once here, and the rest of the line, which that never changes, is not copied.
    func expandString(_ line: ArraySlice<UInt8>, _ start: Int) throws -> ([UInt8], Int) {
        let quote = line[start]
        var content: [UInt8] = []
        var i = start + 1
        while true {
            // _string_special_search: "|'|\\|\$\(
            var j = i
            while j < line.endIndex {
                let byte = line[j]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\")
                    || Bytes.hasPrefix(line, "$(", at: j)
                {
                    break
                }
                j += 1
            }
            guard j < line.endIndex else { throw self.parseError("unterminated string") }
            let byte = line[j]
            if byte == quote {
                content += line[i..<j]
                return (content, j + 1)
            }
            if byte == UInt8(ascii: "\\") {
                // '\x' becomes 'x', which is not looked at again (so '\$(' is no macro).
                content += line[i..<j]
                if j + 1 < line.endIndex { content.append(line[j + 1]) }
                i = j + 2
            } else if byte == UInt8(ascii: "$") {
                content += line[i..<j]
                let (value, end) = try self.expandCall(line, j, args: [])
                content += value
                i = end
            } else {
                content += line[i...j]
                i = j + 1
            }
        }
    }

    /// `os.path.expandvars()` (after the `$UNAME_RELEASE` replacement, which uses the environment here).
    func expandVars(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        var path = Array(text.utf8)
        if let release = self.environment["UNAME_RELEASE"] {
            path = Array(Bytes.string(path).replacingAll("$UNAME_RELEASE", with: release).utf8)
        }
        var i = 0
        while i < path.count {
            guard path[i] == UInt8(ascii: "$") else {
                i += 1
                continue
            }
            var nameStart = i + 1
            var end: Int
            if nameStart < path.count, path[nameStart] == UInt8(ascii: "{") {
                guard let close = path[nameStart...].firstIndex(of: UInt8(ascii: "}")) else {
                    i += 1
                    continue
                }
                nameStart += 1
                end = close + 1
                let name = Bytes.string(path[nameStart..<close])
                if let value = self.environment[name] {
                    path = Array(path[..<i]) + Array(value.utf8) + Array(path[end...])
                    i += value.utf8.count
                } else {
                    i = end
                }
                continue
            }
            end = nameStart
            while end < path.count, Bytes.isWord(path[end]) { end += 1 }
            if end == nameStart {
                i += 1
                continue
            }
            let name = Bytes.string(path[nameStart..<end])
            if let value = self.environment[name] {
                path = Array(path[..<i]) + Array(value.utf8) + Array(path[end...])
                i += value.utf8.count
            } else {
                i = end
            }
        }
        return Bytes.string(path)
    }

    /// `_parse_error()`.
    func parseError(_ message: String) -> KconfigError {
        KconfigError(
            "\(self.filename):\(self.linenr): error: couldn't parse '\(Bytes.string(self.currentLine).pythonStripped)': \(message)")
    }
}

extension String {
    /// Python's `str.strip(chars)`.
    func trimmingPython(_ characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }

    /// Python's `str.replace(old, new)`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        let source = Array(self.utf8)
        let needle = Array(target.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < source.count {
            if i + needle.count <= source.count, Array(source[i..<(i + needle.count)]) == needle {
                out += replacement.utf8
                i += needle.count
            } else {
                out.append(source[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Whether the bytes hold a `$(`.
private func containsMacro(_ bytes: ArraySlice<UInt8>) -> Bool {
    var index = bytes.startIndex
    while index + 1 < bytes.endIndex {
        if bytes[index] == UInt8(ascii: "$"), bytes[index + 1] == UInt8(ascii: "(") { return true }
        index += 1
    }
    return false
}
