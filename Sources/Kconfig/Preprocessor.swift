#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Kconfig preprocessor: `X = v` / `X := v` / `X += v` and `$(…)` expansion, as in kconfiglib.
extension Kconfig {
    /// `_parse_assignment()`: a line whose first word is not a keyword.
    func parseAssignment(_ line: [UInt8]) throws {
        var s = Array(line[Bytes.leftStripIndex(line, from: 0)...])
        var i = 0
        while true {
            while i < s.count, Bytes.isAssignmentName(s[i]) { i += 1 }
            if Bytes.hasPrefix(s, "$(", at: i) {
                (s, i) = try self.expandMacro(s, i, args: [])
            } else {
                break
            }
        }
        if Bytes.isSpace(s) { return }
        let name = Bytes.string(s[..<i])
        // \s*(=|:=|\+=)\s*(.*)
        var j = i
        while j < s.count, Bytes.isASCIISpace(s[j]) { j += 1 }
        let op: String
        if Bytes.hasPrefix(s, "=", at: j) {
            op = "="
        } else if Bytes.hasPrefix(s, ":=", at: j) {
            op = ":="
        } else if Bytes.hasPrefix(s, "+=", at: j) {
            op = "+="
        } else {
            throw self.parseError("syntax error")
        }
        j += op.utf8.count
        while j < s.count, Bytes.isASCIISpace(s[j]) { j += 1 }
        var valueEnd = j
        while valueEnd < s.count, s[valueEnd] != 10 { valueEnd += 1 }
        let value = Array(s[j..<valueEnd])

        let variable: Variable
        var effective = op
        if let existing = self.variables[name] {
            variable = existing
        } else {
            variable = Variable(name: name)
            self.variables[name] = variable
            if op == "+=" { effective = "=" }
        }
        switch effective {
        case "=":
            variable.isRecursive = true
            variable.value = value
        case ":=":
            variable.isRecursive = false
            variable.value = try self.expandWhole(value, args: [])
        default:
            variable.value += Array(" ".utf8) + (variable.isRecursive ? value : try self.expandWhole(value, args: []))
        }
    }

    /// `_expand_whole()`: expands every `$(…)` in `text`. The text is built once, front to back (kconfiglib rebuilds
    /// the whole string after each expansion, which is quadratic in the number of expansions).
    func expandWhole(_ text: [UInt8], args: [[UInt8]]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            var found: Int?
            var j = i
            while j + 1 < text.count {
                if text[j] == UInt8(ascii: "$"), text[j + 1] == UInt8(ascii: "(") {
                    found = j
                    break
                }
                j += 1
            }
            guard let start = found else {
                if i == 0 { return text }
                out += text[i...]
                return out
            }
            out += text[i..<start]
            let (value, end) = try self.expandCall(text[...], start, args: args)
            try self.chargeMacroBytes(start - i + value.count, text[...], start)
            out += value
            i = end
        }
    }

    /// `_expand_macro()`: expands the `$(…)` at `start`; returns the new text and the index after the expansion.
    func expandMacro(_ text: [UInt8], _ start: Int, args: [[UInt8]]) throws -> ([UInt8], Int) {
        let (value, end) = try self.expandCall(text[...], start, args: args)
        try self.chargeMacroBytes(text.count - (end - start) + value.count, text[...], start)
        return (Array(text[..<start]) + value + text[end...], start + value.count)
    }

    /// The value of the `$(…)` at `start` and the index just past its `)`. Arguments are read as kconfiglib reads
    /// them, nested calls expanded in place and not scanned again.
    func expandCall(_ s: ArraySlice<UInt8>, _ start: Int, args: [[UInt8]]) throws -> (value: [UInt8], end: Int) {
        self.macroDepth += 1
        defer { self.macroDepth -= 1 }
        if self.macroDepth > self.limits.maximumNesting {
            throw self.limitError(
                .nesting,
                "\(recursionErrorText): $(…) expansions nest deeper than \(self.limits.maximumNesting) levels, at \(macroName(s, start))")
        }
        var i = start + 2
        var segmentStart = i
        var argument: [UInt8] = []
        var newArgs: [[UInt8]] = []
        var nesting = 0
        while true {
            // _macro_special_search: \(|\)|,|\$\(
            var j = i
            while j < s.endIndex {
                let byte = s[j]
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ",")
                    || Bytes.hasPrefix(s, "$(", at: j)
                {
                    break
                }
                j += 1
            }
            guard j < s.endIndex else { throw self.parseError("missing end parenthesis in macro expansion") }
            let byte = s[j]
            if byte == UInt8(ascii: "(") {
                nesting += 1
                i = j + 1
            } else if byte == UInt8(ascii: ")") {
                if nesting > 0 {
                    nesting -= 1
                    i = j + 1
                    continue
                }
                argument += s[segmentStart..<j]
                newArgs.append(argument)
                try self.chargeMacroExpansion(newArgs[0])
                let value: [UInt8]
                if let index = PythonInt.parse(Bytes.string(newArgs[0]), base: 10), let given = pythonIndex(args, index) {
                    value = given
                } else {
                    value = try self.functionValue(newArgs)
                }
                return (value, j + 1)
            } else if byte == UInt8(ascii: ",") {
                i = j + 1
                if nesting > 0 { continue }
                argument += s[segmentStart..<j]
                newArgs.append(argument)
                argument = []
                segmentStart = i
            } else {
                argument += s[segmentStart..<j]
                let (value, end) = try self.expandCall(s, j, args: args)
                argument += value
                i = end
                segmentStart = end
            }
        }
    }

    /// One more `$(…)` expansion against the parse's budget: `A = $(B)$(B)` chains grow exponentially.
    private func chargeMacroExpansion(_ name: [UInt8]) throws {
        self.macroExpansions += 1
        if self.macroExpansions > self.limits.maximumMacroExpansions {
            throw self.limitError(
                .macroExpansions,
                "expanding $(\(Bytes.string(name.prefix(80)))) goes over the preprocessor's budget of \(self.limits.maximumMacroExpansions) expansions in one parse (does a variable expand to several copies of another, level after level?)")
        }
    }

    /// Text built by an expansion, against the budget of bytes the preprocessor may produce in one parse.
    func chargeMacroBytes(_ count: Int, _ text: ArraySlice<UInt8>, _ start: Int) throws {
        self.macroBytes += count
        if self.macroBytes > self.limits.maximumMacroBytes {
            throw self.limitError(
                .macroBytes,
                "expanding \(macroName(text, start)) goes over the preprocessor's budget of \(self.limits.maximumMacroBytes) bytes of text in one parse")
        }
    }

    /// `_fn_val()`: a variable, a built-in function, or an environment variable; otherwise empty.
    func functionValue(_ args: [[UInt8]]) throws -> [UInt8] {
        let name = Bytes.string(args[0])
        if let variable = self.variables[name] {
            if args.count == 1 {
                if variable.expansions > 0 {
                    throw self.parseError("Preprocessor variable \(variable.name) recursively references itself")
                }
            } else if variable.expansions > 100 {
                throw self.parseError("Preprocessor function \(variable.name) seems stuck in infinite recursion")
            }
            variable.expansions += 1
            defer { variable.expansions -= 1 }
            return try self.expandWhole(variable.value, args: args)
        }
        if let arity = builtinArity[name] {
            let given = args.count - 1
            if given != arity {
                throw KconfigError(
                    "\(self.filename):\(self.linenr): bad number of arguments in call to \(name), expected \(arity), got \(given)")
            }
            let strings = args.map { Bytes.string($0) }
            return Array(try self.callBuiltin(name, strings).utf8)
        }
        if let value = self.environment[name] {
            self.envVars.insert(name)
            return Array(value.utf8)
        }
        return []
    }

    private func callBuiltin(_ name: String, _ args: [String]) throws -> String {
        switch name {
        case "filename":
            return self.filename
        case "lineno":
            return String(self.linenr)
        case "info":
            self.infoMessages.append("\(self.filename):\(self.linenr): \(args[1])")
            return ""
        case "warning-if":
            if args[1] == "y" { self.warn(args[2], file: self.filename, line: self.linenr) }
            return ""
        case "error-if":
            if args[1] == "y" { throw KconfigError("\(self.filename):\(self.linenr): \(args[2])") }
            return ""
        default:
            guard let output = runShell(args[1], limit: self.limits.maximumMacroBytes) else {
                throw self.limitError(
                    .macroBytes,
                    "$(shell,\(args[1].prefix(80))) printed more than the preprocessor's limit of \(self.limits.maximumMacroBytes) bytes")
            }
            return output
        }
    }
}

private let builtinArity = ["info": 1, "error-if": 2, "filename": 0, "lineno": 0, "shell": 1, "warning-if": 2]

/// The start of the `$(…)` at `start`, to name it in an error.
private func macroName(_ text: ArraySlice<UInt8>, _ start: Int) -> String {
    let tail = text[start...].prefix(48)
    let name = tail.prefix { $0 != UInt8(ascii: ")") && $0 != 10 }
    return Bytes.string(name) + (name.count < tail.count && tail[name.endIndex] == UInt8(ascii: ")") ? ")" : "…")
}

/// Python's `args[index]`, negative indices counting from the end.
private func pythonIndex<T>(_ items: [T], _ index: Int) -> T? {
    let resolved = index < 0 ? items.count + index : index
    return resolved >= 0 && resolved < items.count ? items[resolved] : nil
}

/// `$(shell,cmd)`: the command's standard output with newlines turned into spaces and trailing ones removed; nil
/// when it prints more than `limit` bytes (the command is then left to a broken pipe).
private func runShell(_ command: String, limit: Int) -> String? {
    guard let pipe = popen(command, "r") else { return "" }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, pipe)
        if count <= 0 { break }
        output += buffer[0..<count]
        if output.count > limit {
            pclose(pipe)
            return nil
        }
    }
    pclose(pipe)
    var text = String(decoding: output, as: UTF8.self).replacingAll("\r\n", with: "\n")
    while text.hasSuffix("\n") { text.removeLast() }
    return text.replacingAll("\n", with: " ")
}
