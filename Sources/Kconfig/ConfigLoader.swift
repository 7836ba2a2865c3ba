/// `.conf` fragments: `Kconfig.load_config()`, `Symbol.set_value()`/`unset_value()` and value invalidation.
extension Kconfig {
    /// Loads a fragment. `replace` clears every user value first (Zephyr does this for the first fragment only).
    /// `path` is opened as given (relative to the working directory) and then relative to `rootDirectory`;
    /// `displayName` is what warnings call the file.
    public func loadConfig(_ path: String, displayName: String? = nil, replace: Bool) throws {
        let name = displayName ?? path
        self.warnAssignNoPrompt = false
        defer { self.warnAssignNoPrompt = true }
        let bytes: [UInt8]
        let limit = self.limits.maximumFileBytes
        switch FileSystem.read(path, limit: limit) {
        case .success(let content):
            bytes = content
        case .failure(.system):
            switch FileSystem.read(FileSystem.join(self.rootDirectory, path), limit: limit) {
            case .success(let content):
                bytes = content
            case .failure(let failure):
                throw Self.fragmentReadError(name, failure)
            }
        case .failure(let failure):
            throw Self.fragmentReadError(name, failure)
        }
        try self.loadConfig(bytes: bytes, displayName: name, replace: replace)
    }

    /// kconfiglib's `load_config()` message for a fragment it cannot open; a file that is not regular or is too large
    /// is refused with the reason (kconfiglib would block on a FIFO or read `/dev/zero` until memory runs out).
    private static func fragmentReadError(_ name: String, _ failure: FileSystem.ReadFailure) -> KconfigError {
        switch failure {
        case .system:
            return KconfigError(
                "Could not open '\(name)' \(failure.parenthesized). Check that the $srctree environment variable (unset or blank) is set correctly.")
        case .notRegularFile:
            return KconfigError("Could not open '\(name)' \(failure.parenthesized).")
        case .tooLarge:
            return KconfigError("Could not open '\(name)' \(failure.parenthesized).", limit: .fileBytes)
        }
    }

    /// Loads fragment text that is not a file (e.g. command-line assignments), named `displayName` in warnings.
    public func loadConfig(bytes: [UInt8], displayName: String, replace: Bool) throws {
        let name = displayName
        if bytes.count > self.limits.maximumFileBytes {
            throw Self.fragmentReadError(name, .tooLarge(size: bytes.count, limit: self.limits.maximumFileBytes))
        }
        self.warnAssignNoPrompt = false
        defer { self.warnAssignNoPrompt = true }
        var lines = SourceLines(bytes: bytes, displayName: name)
        if replace {
            self.missingSyms = []
            for symbol in self.uniqueDefinedSymbols { symbol.wasSet = false }
            for choice in self.uniqueChoices { choice.wasSet = false }
        }
        var lineNumber = 0
        while true {
            let raw = try lines.readLine()
            if raw.isEmpty { break }
            lineNumber += 1
            self.fragmentLine = (name, lineNumber)
            defer { self.fragmentLine = nil }
            self.loadLine(Bytes.string(raw).pythonRightStripped, file: name, line: lineNumber)
        }
        if replace {
            for symbol in self.uniqueDefinedSymbols where !symbol.wasSet { self.unsetValue(symbol) }
            for choice in self.uniqueChoices where !choice.wasSet { self.unsetValue(choice) }
        }
    }

    private func loadLine(_ line: String, file: String, line lineNumber: Int) {
        let value: UserValue
        let symbol: Symbol
        let bytes = Array(line.utf8)
        let prefix = Array(self.configPrefix.utf8)
        if bytes.starts(with: prefix), let equals = bytes[prefix.count...].firstIndex(of: UInt8(ascii: "=")),
            equals > prefix.count
        {
            // ^CONFIG_([^=]+)=(.*)
            let name = Bytes.string(bytes[prefix.count..<equals])
            let text = Bytes.string(bytes[(equals + 1)...])
            guard let found = self.syms[name], !found.nodes.isEmpty else {
                self.undefinedAssignment(name, text, file: file, line: lineNumber)
                return
            }
            symbol = found
            if symbol.origType.isBoolOrTristate {
                let accepted = symbol.origType == .bool ? ["y", "n"] : ["y", "m", "n"]
                guard let first = text.unicodeScalars.first, accepted.contains(String(first)) else {
                    self.warn("'\(text)' is not a valid value for the \(symbol.origType) symbol \(symbol.nameAndLocation). Assignment ignored.", file: file, line: lineNumber)
                    return
                }
                let letter = String(first)
                if let choice = symbol.choice, letter != "n" {
                    if let previous = choice.userValue, triToString[previous] != letter {
                        self.warn("both m and y assigned to symbols within the same choice", file: file, line: lineNumber)
                    }
                    self.setValue(choice, letter == "y" ? 2 : 1)
                }
                value = .tristate(letter == "y" ? 2 : letter == "m" ? 1 : 0)
            } else if symbol.origType == .string {
                guard let literal = matchConfString(text) else {
                    self.warn("malformed string literal in assignment to \(symbol.nameAndLocation). Assignment ignored.", file: file, line: lineNumber)
                    return
                }
                value = .text(unescapeKconfigString(literal))
            } else {
                value = .text(text)
            }
        } else if let name = matchUnset(line, prefix: self.configPrefix) {
            guard let found = self.syms[name], !found.nodes.isEmpty else {
                self.undefinedAssignment(name, "n", file: file, line: lineNumber)
                return
            }
            symbol = found
            guard symbol.origType.isBoolOrTristate else { return }
            value = .tristate(0)
        } else {
            let stripped = line.pythonLeftStripped
            if !line.isEmpty && stripped.utf8.first != UInt8(ascii: "#") {
                self.warn("ignoring malformed line '\(line)'", file: file, line: lineNumber)
            }
            return
        }
        if symbol.wasSet { self.assignedTwice(symbol, value, file: file, line: lineNumber) }
        self.loadingLocation = (file, lineNumber)
        self.setValue(symbol, value)
        self.loadingLocation = nil
    }

    private func undefinedAssignment(_ name: String, _ value: String, file: String, line: Int) {
        self.missingSyms.append((name, value))
        if self.warnAssignUndef {
            self.warn("attempt to assign the value '\(value)' to the undefined symbol \(name)", file: file, line: line)
        }
    }

    private func assignedTwice(_ symbol: Symbol, _ newValue: UserValue, file: String, line: Int) {
        let old = symbol.userValue?.text ?? "None"
        let new = newValue.text
        let message = "\(symbol.nameAndLocation) set more than once. Old value \"\(old)\", new value \"\(new)\"."
        if old == new {
            if self.warnAssignRedun { self.warn(message, file: file, line: line) }
        } else if self.warnAssignOverride {
            self.warn(message, file: file, line: line)
        }
    }

    /// `Symbol.set_value()`: false (with kconfiglib's warning) when the value's form is invalid for the type.
    @discardableResult
    public func setValue(_ symbol: Symbol, _ value: UserValue) -> Bool {
        if value == symbol.userValue && symbol.choice == nil {
            symbol.wasSet = true
            return true
        }
        let valid: Bool
        switch (symbol.origType, value) {
        case (.bool, .tristate(let tri)): valid = tri == 0 || tri == 2
        case (.tristate, .tristate): valid = true
        case (.string, .text): valid = true
        case (.int, .text(let text)): valid = PythonInt.isBase(text, 10)
        case (.hex, .text(let text)): valid = (PythonInt.parse(text, base: 16) ?? -1) >= 0
        default: valid = false
        }
        guard valid else {
            let shown: String
            switch value {
            case .tristate(let tri): shown = triToString[tri]
            case .text(let text): shown = "'\(text)'"
            }
            self.warn("the value \(shown) is invalid for \(symbol.nameAndLocation), which has type \(symbol.origType) -- assignment ignored")
            return false
        }
        symbol.userValue = value
        symbol.userLocation = self.loadingLocation
        symbol.wasSet = true
        if let choice = symbol.choice, value == .tristate(2) {
            choice.userSelection = symbol
            choice.wasSet = true
            self.invalidateRecursively(.choice(choice))
        } else {
            self.invalidateIfHasPrompt(symbol)
        }
        return true
    }

    /// `Choice.set_value()` (the mode).
    @discardableResult
    func setValue(_ choice: Choice, _ value: Tristate) -> Bool {
        if value == choice.userValue {
            choice.wasSet = true
            return true
        }
        let valid = choice.origType == .bool ? (value == 0 || value == 2) : choice.origType == .tristate
        guard valid else {
            self.warn("the value \(triToString[value]) is invalid for \(choice.nameAndLocation), which has type \(choice.origType) -- assignment ignored")
            return false
        }
        choice.userValue = value
        choice.wasSet = true
        self.invalidateRecursively(.choice(choice))
        return true
    }

    func unsetValue(_ symbol: Symbol) {
        if symbol.userValue != nil {
            symbol.userValue = nil
            self.invalidateIfHasPrompt(symbol)
        }
    }

    func unsetValue(_ choice: Choice) {
        if choice.userValue != nil || choice.userSelection != nil {
            choice.userValue = nil
            choice.userSelection = nil
            self.invalidateRecursively(.choice(choice))
        }
    }

    private func invalidateIfHasPrompt(_ symbol: Symbol) {
        if symbol.hasPrompt {
            self.invalidateRecursively(.symbol(symbol))
        } else if self.warnAssignNoPrompt {
            self.warn(symbol.nameAndLocation + " has no prompt, meaning user values have no effect on it")
        }
    }

    /// `_rec_invalidate()`, with a stack of its own instead of recursion: a chain of dependents can be as long as
    /// the tree has symbols. An item is invalidated when reached while it still has a cached visibility, which
    /// invalidates the same items as kconfiglib's depth-first recursion.
    func invalidateRecursively(_ item: Item) {
        var pending = [item]
        var first = true
        while let item = pending.popLast() {
            if !first && !item.hasCachedVisibility { continue }
            first = false
            switch item {
            case .symbol(let symbol):
                if symbol === self.modules {
                    for other in self.uniqueDefinedSymbols { other.invalidate() }
                    for choice in self.uniqueChoices { choice.invalidate() }
                    continue
                }
                symbol.invalidate()
                pending += symbol.dependents.reversed()
            case .choice(let choice):
                choice.invalidate()
                pending += choice.dependents.reversed()
            }
        }
    }
}

extension Item {
    var hasCachedVisibility: Bool {
        switch self {
        case .symbol(let symbol): return symbol.cachedVisibility != nil
        case .choice(let choice): return choice.cachedVisibility != nil
        }
    }
}

/// `"((?:[^\\"]|\\.)*)"` matched at the start of `text`: the raw contents, or nil.
func matchConfString(_ text: String) -> String? {
    let scalars = Array(text.unicodeScalars)
    guard scalars.first == "\"" else { return nil }
    var index = 1
    while index < scalars.count {
        let scalar = scalars[index]
        if scalar == "\"" {
            return String(String.UnicodeScalarView(scalars[1..<index]))
        }
        if scalar == "\\" {
            guard index + 1 < scalars.count, scalars[index + 1] != "\n" else { return nil }
            index += 2
            continue
        }
        index += 1
    }
    return nil
}

/// `# CONFIG_([^ ]+) is not set` matched at the start of `line`: the name, or nil.
func matchUnset(_ line: String, prefix: String) -> String? {
    let head = "# " + prefix
    let bytes = Array(line.utf8)
    let headBytes = Array(head.utf8)
    guard bytes.starts(with: headBytes) else { return nil }
    let rest = bytes[headBytes.count...]
    // [^ ]+ cannot contain a space, so the name ends at the first space, which must start " is not set".
    guard let space = rest.firstIndex(of: UInt8(ascii: " ")), space > rest.startIndex,
        rest[space...].starts(with: " is not set".utf8)
    else { return nil }
    return Bytes.string(rest[..<space])
}
