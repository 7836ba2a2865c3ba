/// `Kconfig._parse_block()`, `_parse_props()` and the expression parser.
extension Kconfig {
    // MARK: Files and lines

    /// Opens a Kconfig file for parsing, turning I/O and decoding problems into kconfiglib's messages.
    func openSource(_ path: String, displayName: String) throws -> SourceLines {
        switch FileSystem.read(path, limit: self.limits.maximumFileBytes) {
        case .success(let bytes):
            return SourceLines(bytes: bytes, displayName: displayName)
        case .failure(let failure):
            let limit: KconfigLimit? = if case .tooLarge = failure { .fileBytes } else { nil }
            if self.includePath.isEmpty {
                if case .system(let code) = failure {
                    throw KconfigError("[Errno \(code)] \(FileSystem.errorText(code)): '\(displayName)'")
                }
                throw KconfigError("Could not open '\(displayName)' \(failure.parenthesized)", limit: limit)
            }
            let line = if case .system = failure { Bytes.string(self.currentLine).pythonStripped } else { self.shortenedCurrentLine }
            throw KconfigError(
                "\(self.filename):\(self.linenr): Could not open '\(path)' (in '\(line)') \(failure.parenthesized)", limit: limit)
        }
    }

    /// `_enter_file()`.
    func enterFile(_ path: String) throws {
        let prefix = self.rootDirectory.hasSuffix("/") ? self.rootDirectory : self.rootDirectory + "/"
        let relative = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        self.kconfigFilenames.append(relative)
        self.fileStack.append((self.includePath, self.reader))
        self.includePath.append((self.filename, self.linenr))
        // kconfiglib compares the names only; a cycle through ever longer spellings ("a/../a/../Kconfig") would
        // recurse until it crashes. A file open twice already under other names is such a cycle.
        let real = FileSystem.absolute(path)
        if self.includePath.contains(where: { $0.0 == relative }) || self.openRealPaths.filter({ $0 == real }).count >= 2 {
            let chain = self.includePath.map { "\($0.0):\($0.1)" }.joined(separator: "\n")
            throw KconfigError(
                "\n\(self.filename):\(self.linenr): recursive 'source' of '\(relative)' detected. Check that environment variables are set correctly.\nInclude path:\n\(chain)")
        }
        self.reader = try self.openSource(path, displayName: relative)
        self.openRealPaths.append(real)
        self.filename = relative
        self.linenr = 0
    }

    /// `_leave_file()`.
    func leaveFile() {
        self.openRealPaths.removeLast()
        (self.filename, self.linenr) = self.includePath.last!
        (self.includePath, self.reader) = self.fileStack.removeLast()
    }

    /// `_next_line()`: tokenizes the next line (joining backslash continuations); false at the end of the file.
    func nextLine() throws -> Bool {
        try self.throwRecordedLimit()
        if self.reuseTokens {
            self.reuseTokens = false
            return true
        }
        let line = try self.reader.readLine()
        if line.isEmpty { return false }
        self.linenr += 1
        self.tokens = try self.tokenize(try self.joinContinuations(line))
        self.tokenIndex = 1
        return true
    }

    /// `_line_after_help()`.
    func lineAfterHelp(_ first: ArraySlice<UInt8>) throws {
        self.tokens = try self.tokenize(try self.joinContinuations(first))
        self.reuseTokens = true
    }

    /// Joins the lines that follow a line ending in a backslash-newline onto it, in time linear in their length.
    private func joinContinuations(_ first: ArraySlice<UInt8>) throws -> ArraySlice<UInt8> {
        func continues(_ line: some RandomAccessCollection<UInt8>) -> Bool {
            line.count >= 2 && line[line.index(line.endIndex, offsetBy: -1)] == 10
                && line[line.index(line.endIndex, offsetBy: -2)] == 92
        }
        guard continues(first) else { return first }
        var joined = Array(first)
        while continues(joined) {
            joined.removeLast(2)
            joined += try self.reader.readLine()
            self.linenr += 1
        }
        return joined[...]
    }

    // MARK: Token helpers

    var peek: Token { self.tokenIndex < self.tokens.count ? self.tokens[self.tokenIndex] : .end }

    func nextToken() -> Token {
        defer { self.tokenIndex += 1 }
        return self.peek
    }

    func checkToken(_ keyword: Keyword) -> Bool {
        if self.peek.isKeyword(keyword) {
            self.tokenIndex += 1
            return true
        }
        return false
    }

    func checkToken(_ token: Token) -> Bool {
        let matches: Bool
        switch (self.peek, token) {
        case (.or, .or), (.and, .and), (.closeParen, .closeParen): matches = true
        case (.relation(let a), .relation(let b)): matches = a == b
        default: matches = false
        }
        if matches { self.tokenIndex += 1 }
        return matches
    }

    func expectSymbol() throws -> Symbol {
        guard let symbol = self.nextToken().symbol else { throw self.parseError("expected symbol") }
        return symbol
    }

    func expectNonConstantSymbol() throws -> Symbol {
        self.tokenIndex = 2
        guard self.tokens.count > 1, let symbol = self.tokens[1].symbol, !symbol.isConstant else {
            throw self.parseError("expected nonconstant symbol")
        }
        return symbol
    }

    func expectStringAndEnd() throws -> String {
        guard case .text(let text) = self.nextToken() else { throw self.parseError("expected string") }
        if !self.peek.isEnd { throw self.parseError("extra tokens at end of line") }
        return text
    }

    func expectExprAndEnd() throws -> Expr {
        let expr = try self.parseExpr(transformM: true)
        if !self.peek.isEnd { throw self.parseError("extra tokens at end of line") }
        return expr
    }

    // MARK: Blocks

    /// `_parse_block()`: parses items until `end` (nil: end of file), linking them after `previous`.
    @discardableResult
    func parseBlock(end: Keyword?, parent: MenuNode, previous: MenuNode) throws -> MenuNode {
        var prev = previous
        while try self.nextLine() {
            let t0 = self.tokens[0]
            guard case .keyword(let keyword) = t0 else {
                if t0.isEnd { continue }
                throw self.parseError("unrecognized construct")
            }
            switch keyword {
            case .config, .menuconfig:
                guard let symbol = self.tokens[1].symbol, !symbol.isConstant else {
                    throw self.parseError("missing or bad symbol name")
                }
                if !self.tokens[2].isEnd { throw self.parseError("extra tokens at end of line") }
                self.definedSyms.append(symbol)
                let node = self.makeNode(.symbol(symbol), parent: parent)
                node.isMenuconfig = keyword == .menuconfig
                symbol.nodes.append(node)
                try self.parseProps(node)
                if node.isMenuconfig && node.prompt == nil {
                    self.warn("the menuconfig symbol \(symbol.nameAndLocation) has no prompt")
                }
                prev.next = node
                prev = node
            case .source, .rsource, .osource, .orsource:
                var pattern = try self.expectStringAndEnd()
                if keyword.isRelativeSource { pattern = FileSystem.join(FileSystem.dirname(self.filename), pattern) }
                let prefix = self.rootDirectory.hasSuffix("/") ? self.rootDirectory : self.rootDirectory + "/"
                let filenames = Glob.glob(FileSystem.join(prefix, pattern)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                if filenames.isEmpty && keyword.isObligatorySource {
                    throw KconfigError(
                        "\(self.filename):\(self.linenr): '\(pattern)' not found (in '\(Bytes.string(self.currentLine).pythonStripped)'). Check that environment variables are set correctly (e.g. $srctree, which is unset or blank). Also note that unset environment variables expand to the empty string.")
                }
                for path in filenames {
                    try self.enterNesting()
                    defer { self.nesting -= 1 }
                    try self.enterFile(path)
                    prev = try self.parseBlock(end: nil, parent: parent, previous: prev)
                    self.leaveFile()
                }
            case _ where keyword == end:
                if !self.tokens[1].isEnd { throw self.parseError("extra tokens at end of line") }
                prev.next = nil
                return prev
            case .if:
                let node = self.makeNode(.ifBlock, parent: parent)
                node.dep = try self.expectExprAndEnd()
                try self.parseChildren(of: node, until: .endif)
                prev.next = node
                prev = node
            case .menu:
                let node = self.makeNode(.menu, parent: parent)
                node.isMenuconfig = true
                node.prompt = (try self.expectStringAndEnd(), self.yExpr)
                self.menus.append(node)
                try self.parseProps(node)
                try self.parseChildren(of: node, until: .endmenu)
                prev.next = node
                prev = node
            case .comment:
                let node = self.makeNode(.comment, parent: parent)
                node.prompt = (try self.expectStringAndEnd(), self.yExpr)
                self.comments.append(node)
                try self.parseProps(node)
                prev.next = node
                prev = node
            case .choice:
                let choice: Choice
                if self.tokens[1].isEnd {
                    choice = Choice(name: nil, n: self.nExpr)
                } else {
                    let name = try self.expectStringAndEnd()
                    if let existing = self.namedChoices[name] {
                        choice = existing
                    } else {
                        choice = Choice(name: name, n: self.nExpr)
                        self.namedChoices[name] = choice
                    }
                }
                self.choices.append(choice)
                let node = self.makeNode(.choice(choice), parent: parent)
                node.isMenuconfig = true
                choice.nodes.append(node)
                try self.parseProps(node)
                try self.parseChildren(of: node, until: .endchoice)
                prev.next = node
                prev = node
            case .mainmenu:
                self.topNode.prompt = (try self.expectStringAndEnd(), self.yExpr)
            case .endchoice:
                throw self.parseError("no corresponding 'choice'")
            case .endif:
                throw self.parseError("no corresponding 'if'")
            case .endmenu:
                throw self.parseError("no corresponding 'menu'")
            default:
                throw self.parseError("unrecognized construct")
            }
        }
        if let end {
            let word = end == .endchoice ? "endchoice" : end == .endif ? "endif" : "endmenu"
            throw KconfigError("error: expected '\(word)' at end of '\(self.filename)'")
        }
        return prev
    }

    /// A node at the current line, under `parent`.
    private func makeNode(_ item: NodeItem, parent: MenuNode) -> MenuNode {
        let node = MenuNode(item: item, filename: self.filename, line: self.linenr, y: self.yExpr)
        node.parent = parent
        return node
    }

    /// Parses a block's items up to its end keyword as the node's children.
    private func parseChildren(of node: MenuNode, until end: Keyword) throws {
        try self.enterNesting()
        defer { self.nesting -= 1 }
        try self.parseBlock(end: end, parent: node, previous: node)
        node.list = node.next
    }

    /// One level deeper into blocks or sourced files; kconfiglib recurses here until Python's limit stops it.
    private func enterNesting() throws {
        self.nesting += 1
        if self.nesting > self.limits.maximumNesting {
            throw self.limitError(
                .nesting,
                "\(recursionErrorText): if/menu/choice blocks and sourced files nest deeper than \(self.limits.maximumNesting) levels")
        }
    }

    /// `_parse_cond()`: an optional `if EXPR` and the end of the line.
    func parseCond() throws -> Expr {
        let expr = self.checkToken(.if) ? try self.parseExpr(transformM: true) : self.yExpr
        if !self.peek.isEnd { throw self.parseError("extra tokens at end of line") }
        return expr
    }

    // MARK: Properties

    /// `_parse_props()`.
    func parseProps(_ node: MenuNode) throws {
        node.dep = self.yExpr
        while try self.nextLine() {
            let t0 = self.tokens[0]
            guard case .keyword(let keyword) = t0 else {
                if t0.isEnd { continue }
                self.reuseTokens = true
                return
            }
            if let type = keyword.typeKeyword {
                try self.setType(node, type)
                if !self.tokens[1].isEnd { try self.parsePrompt(node) }
                continue
            }
            if let type = keyword.defaultTypeKeyword {
                try self.setType(node, type)
                node.defaults.append((try self.parseExpr(transformM: false), try self.parseCond()))
                continue
            }
            switch keyword {
            case .depends:
                if !self.checkToken(.on) { throw self.parseError("expected 'on' after 'depends'") }
                node.dep = self.makeAnd(node.dep, try self.expectExprAndEnd())
            case .help:
                try self.parseHelp(node)
            case .select:
                guard node.symbol != nil else { throw self.parseError("only symbols can select") }
                node.selects.append((try self.expectNonConstantSymbol(), try self.parseCond()))
            case .default:
                node.defaults.append((try self.parseExpr(transformM: false), try self.parseCond()))
            case .prompt:
                try self.parsePrompt(node)
            case .range:
                node.ranges.append((try self.expectSymbol(), try self.expectSymbol(), try self.parseCond()))
            case .imply:
                guard node.symbol != nil else { throw self.parseError("only symbols can imply") }
                node.implies.append((try self.expectNonConstantSymbol(), try self.parseCond()))
            case .visible:
                if !self.checkToken(.if) { throw self.parseError("expected 'if' after 'visible'") }
                node.visibility = self.makeAnd(node.visibility, try self.expectExprAndEnd())
            case .option:
                try self.parseOption(node)
            case .optional:
                guard let choice = node.choice else { throw self.parseError("\"optional\" is only valid for choices") }
                choice.isOptional = true
            default:
                self.reuseTokens = true
                return
            }
        }
    }

    private func parseOption(_ node: MenuNode) throws {
        if self.checkToken(.env) {
            if !self.checkToken(.relation(.equal)) { throw self.parseError("expected '=' after 'env'") }
            let variable = try self.expectStringAndEnd()
            guard let symbol = node.symbol else { throw self.parseError("unrecognized option") }
            symbol.envVar = variable
            if let value = self.environment[variable] {
                node.defaults.append((.symbol(self.lookupConstSymbol(value)), self.yExpr))
            } else {
                self.warn(
                    // kconfiglib swaps the two names in this message; kept for identical output.
                    "\(variable) has 'option env=\"\(symbol.name)\"', but the environment variable \(symbol.name) is not set",
                    file: self.filename, line: self.linenr)
            }
            if variable != symbol.name {
                self.warn(
                    "Kconfiglib expands environment variables in strings directly, meaning you do not need 'option env=...' \"bounce\" symbols. For compatibility with the C tools, rename \(symbol.name) to \(variable) (so that the symbol name matches the environment variable name).",
                    file: self.filename, line: self.linenr)
            }
        } else if self.checkToken(.defconfigList) {
            guard let symbol = node.symbol else { throw self.parseError("unrecognized option") }
            if let existing = self.defconfigList {
                self.warn(
                    "'option defconfig_list' set on multiple symbols (\(existing.name) and \(symbol.name)). Only \(existing.name) will be used.",
                    file: self.filename, line: self.linenr)
            } else {
                self.defconfigList = symbol
            }
        } else if self.checkToken(.modules) {
            if node.symbol !== self.modules {
                self.warn(
                    "the 'modules' option is not supported. Let me know if this is a problem for you, as it wouldn't be that hard to implement. Note that modules are supported -- Kconfiglib just assumes the symbol name MODULES, like older versions of the C implementation did when 'option modules' wasn't used.",
                    file: self.filename, line: self.linenr)
            }
        } else if self.checkToken(.allnoconfigY) {
            guard let symbol = node.symbol else {
                throw self.parseError("the 'allnoconfig_y' option is only valid for symbols")
            }
            symbol.isAllnoconfigY = true
        } else {
            throw self.parseError("unrecognized option")
        }
    }

    /// `_set_type()`.
    func setType(_ node: MenuNode, _ type: KconfigType) throws {
        switch node.item {
        case .symbol(let symbol):
            if symbol.origType != .unknown && symbol.origType != type {
                self.warn("\(symbol.nameAndLocation) defined with multiple types, \(type) will be used")
            }
            symbol.origType = type
        case .choice(let choice):
            if choice.origType != .unknown && choice.origType != type {
                self.warn("\(choice.nameAndLocation) defined with multiple types, \(type) will be used")
            }
            choice.origType = type
        default:
            throw self.parseError("a type is only valid for symbols and choices")
        }
    }

    /// `_parse_prompt()`.
    func parsePrompt(_ node: MenuNode) throws {
        if node.prompt != nil {
            self.warn(node.itemNameAndLocation + " defined with multiple prompts in single location")
        }
        self.tokenIndex = 2
        guard case .text(var prompt) = self.tokens[1] else { throw self.parseError("expected prompt string") }
        let stripped = hasOuterSpace(prompt) ? prompt.pythonStripped : prompt
        if prompt != stripped {
            self.warn(node.itemNameAndLocation + " has leading or trailing whitespace in its prompt")
            prompt = stripped
        }
        node.prompt = (prompt, try self.parseCond())
    }

    /// `_parse_help()`: reads raw lines until one is less indented than the first.
    func parseHelp(_ node: MenuNode) throws {
        if node.help != nil {
            self.warn(node.itemNameAndLocation + " defined with more than one help text -- only the last one will be used")
        }
        var line: ArraySlice<UInt8>
        while true {
            line = try self.reader.readLine()
            self.linenr += 1
            if line.isEmpty {
                try self.emptyHelp(node, line)
                return
            }
            if !Bytes.isSpace(line) { break }
        }
        var expanded = HelpLine(line)
        let indent = expanded.indent
        if indent == 0 {
            try self.emptyHelp(node, line)
            return
        }
        var text: [UInt8] = []
        expanded.append(to: &text, droppingColumns: indent)
        var count = 1
        while true {
            line = try self.reader.readLine()
            if Bytes.isSpace(line) {
                text.append(10)
                count += 1
            } else if line.isEmpty {
                break
            } else {
                expanded = HelpLine(line)
                if expanded.indent < indent { break }
                expanded.append(to: &text, droppingColumns: indent)
                count += 1
            }
        }
        self.linenr += count
        if text.allSatisfy({ $0 < 0x80 }) {
            while let last = text.last, Bytes.isASCIISpace(last) || (last >= 0x1C && last <= 0x1F) { text.removeLast() }
            node.help = Bytes.string(text)
        } else {
            node.help = Bytes.string(text).pythonRightStripped
        }
        if !line.isEmpty { try self.lineAfterHelp(line) }
    }

    private func emptyHelp(_ node: MenuNode, _ line: ArraySlice<UInt8>) throws {
        self.warn(node.itemNameAndLocation + " has 'help' but empty help text")
        node.help = ""
        if !line.isEmpty { try self.lineAfterHelp(line) }
    }

    // MARK: Expressions

    /// `_parse_expr()`: `and ['||' expr]`, right-nested. kconfiglib recurses once per operator; here only
    /// parentheses recurse, and the tree is kept within `limits.maximumExpressionDepth`.
    func parseExpr(transformM: Bool) throws -> Expr {
        try self.parseExpr(transformM: transformM, parentheses: 0)
    }

    private func parseExpr(transformM: Bool, parentheses: Int) throws -> Expr {
        var operands = [try self.parseAndExpr(transformM: transformM, parentheses: parentheses)]
        while self.checkToken(.or) { operands.append(try self.parseAndExpr(transformM: transformM, parentheses: parentheses)) }
        return try self.foldRight(operands, Expr.or)
    }

    private func parseAndExpr(transformM: Bool, parentheses: Int) throws -> Expr {
        var operands = [try self.parseFactor(transformM: transformM, parentheses: parentheses)]
        while self.checkToken(.and) { operands.append(try self.parseFactor(transformM: transformM, parentheses: parentheses)) }
        return try self.foldRight(operands, Expr.and)
    }

    /// `a op (b op (c op d))`, as kconfiglib's right recursion builds it.
    private func foldRight(_ operands: [Expr], _ combine: (Expr, Expr) -> Expr) throws -> Expr {
        var expr = operands[operands.count - 1]
        for operand in operands.dropLast().reversed() {
            expr = combine(operand, expr)
            try self.checkExpressionDepth(expr)
        }
        return expr
    }

    private func checkExpressionDepth(_ expr: Expr) throws {
        if expr.depth > self.limits.maximumExpressionDepth {
            throw self.limitError(
                .expressionDepth,
                "\(recursionErrorText): the expression nests deeper than \(self.limits.maximumExpressionDepth) levels")
        }
    }

    private func parseFactor(transformM: Bool, parentheses: Int) throws -> Expr {
        var negations = 0
        while case .not = self.peek {
            self.tokenIndex += 1
            negations += 1
            if negations > self.limits.maximumExpressionDepth {
                throw self.limitError(
                    .expressionDepth,
                    "\(recursionErrorText): the expression nests deeper than \(self.limits.maximumExpressionDepth) levels")
            }
        }
        var expr = try self.parsePrimary(transformM: transformM, parentheses: parentheses)
        for _ in 0..<negations { expr = .not(expr) }
        try self.checkExpressionDepth(expr)
        return expr
    }

    private func parsePrimary(transformM: Bool, parentheses: Int) throws -> Expr {
        let token = self.nextToken()
        switch token {
        case .symbolReference(let reference):
            let symbol = reference.takeUnretainedValue()
            guard case .relation(let relation) = self.peek else {
                if transformM && symbol === self.m { return .and(.symbol(self.m), .symbol(self.modules)) }
                return .symbol(symbol)
            }
            self.tokenIndex += 1
            return .relation(relation, symbol, try self.expectSymbol())
        case .openParen:
            if parentheses >= self.limits.maximumNesting {
                throw self.limitError(
                    .nesting, "\(recursionErrorText): parentheses nest deeper than \(self.limits.maximumNesting) levels")
            }
            let expr = try self.parseExpr(transformM: transformM, parentheses: parentheses + 1)
            if self.checkToken(.closeParen) { return expr }
        default:
            break
        }
        throw self.parseError("malformed expression")
    }
}

/// A help line after `str.expandtabs()` (tab size 8): its indentation (`len(s) - len(s.lstrip())`) and the text
/// after a given number of columns. ASCII lines are read in place (tabs past the indentation expanded only when
/// present); others go through Unicode scalars, as in Python.
private struct HelpLine {
    private let bytes: ArraySlice<UInt8>
    private let scalars: [Unicode.Scalar]?
    /// For ASCII: the columns of leading whitespace and where it ends in `bytes`.
    private var leadingColumns = 0
    private var leadingEnd = 0
    private var tabAfterIndent = false

    init(_ line: ArraySlice<UInt8>) {
        self.bytes = line
        var ascii = true
        for byte in line where byte >= 0x80 {
            ascii = false
            break
        }
        guard ascii else {
            var out: [Unicode.Scalar] = []
            var column = 0
            for scalar in String(decoding: line, as: UTF8.self).unicodeScalars {
                if scalar == "\t" {
                    let spaces = 8 - column % 8
                    out.append(contentsOf: repeatElement(" ", count: spaces))
                    column += spaces
                } else {
                    out.append(scalar)
                    column = scalar == "\n" || scalar == "\r" ? 0 : column + 1
                }
            }
            self.scalars = out
            return
        }
        self.scalars = nil
        var column = 0
        var position = line.startIndex
        while position < line.endIndex {
            let byte = line[position]
            if byte == 9 {
                column += 8 - column % 8
            } else if Bytes.isASCIISpace(byte) || (byte >= 0x1C && byte <= 0x1F) {
                column = byte == 10 || byte == 13 ? 0 : column + 1
            } else {
                break
            }
            position += 1
        }
        self.leadingColumns = column
        self.leadingEnd = position
        self.tabAfterIndent = line[position...].contains(9)
    }

    var indent: Int {
        if let scalars { return scalars.prefix { isPythonWhitespace($0) }.count }
        return self.leadingColumns
    }

    func append(to text: inout [UInt8], droppingColumns count: Int) {
        if let scalars {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[count...])
            text += String(view).utf8
            return
        }
        if !self.tabAfterIndent {
            // Columns beyond `count` inside the indentation become spaces (an expanded tab may straddle it).
            text.append(contentsOf: repeatElement(32, count: self.leadingColumns - count))
            text += self.bytes[self.leadingEnd...]
            return
        }
        var expanded: [UInt8] = []
        var column = 0
        for byte in self.bytes {
            if byte == 9 {
                let spaces = 8 - column % 8
                expanded.append(contentsOf: repeatElement(32, count: spaces))
                column += spaces
            } else {
                expanded.append(byte)
                column = byte == 10 || byte == 13 ? 0 : column + 1
            }
        }
        text += expanded[count...]
    }
}

/// Whether Python's `strip()` would change the text (its first or last character is whitespace).
private func hasOuterSpace(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
    return isPythonWhitespace(first) || isPythonWhitespace(last)
}
