/// A parsed Kconfig tree with its symbol values: a port of kconfiglib 14.1.0's `Kconfig` class.
///
/// Parsing, dependency propagation, evaluation, fragment loading and output follow kconfiglib's code path by path so
/// that values, `.config`/`autoconf.h` text and warning texts are identical. Values are computed lazily and cached,
/// exactly as kconfiglib does, so warnings appear the same number of times.
public final class Kconfig {
    /// The directory `source` paths are relative to (kconfiglib's `$srctree`, or the working directory).
    public let rootDirectory: String
    /// Variables `$(NAME)` and `$NAME` fall back to.
    public let environment: [String: String]
    /// What the engine reads and how deep it recurses (see `KconfigLimits`).
    public let limits: KconfigLimits
    /// The first limit an evaluation went over, if any: the values computed since are not to be trusted.
    /// `ZephyrKconfigBuild` turns it into a fatal error.
    public internal(set) var limitError: KconfigError?
    /// The recursion depth of the evaluation under way, in expression levels plus symbols.
    var evaluationDepth = 0
    /// How many `$(…)` expansions this parse has performed, the bytes of text they built, and how deeply
    /// expansions are nested now.
    var macroExpansions = 0
    var macroBytes = 0
    var macroDepth = 0
    /// How deeply the parser is nested in blocks and sourced files.
    var nesting = 0

    public internal(set) var syms: [String: Symbol] = [:]
    var symbolTable = SymbolTable()
    var constSyms: [String: Symbol] = [:]
    var definedSyms: [Symbol] = []
    /// Symbols in first-definition order (`unique_defined_syms`).
    public internal(set) var uniqueDefinedSymbols: [Symbol] = []
    public internal(set) var uniqueChoices: [Choice] = []
    var choices: [Choice] = []
    var namedChoices: [String: Choice] = [:]
    public internal(set) var menus: [MenuNode] = []
    public internal(set) var comments: [MenuNode] = []
    /// Assignments to undefined symbols: (name, value).
    public internal(set) var missingSyms: [(String, String)] = []

    public let n: Symbol
    public let m: Symbol
    public let y: Symbol
    let modules: Symbol
    let yExpr: Expr
    let nExpr: Expr
    var defconfigList: Symbol?

    public let topNode: MenuNode
    public internal(set) var kconfigFilenames: [String] = []
    public internal(set) var envVars: Set<String> = []
    var variables: [String: Variable] = [:]

    /// Every warning, in the order kconfiglib would emit them, prefixed `warning: `.
    public internal(set) var warnings: [String] = []
    /// For each warning without a `FILE:LINE:` of its own, the fragment line it concerns, when there is one.
    public internal(set) var warningOrigins: [(file: String, line: Int)?] = []
    /// The fragment line being loaded.
    var fragmentLine: (file: String, line: Int)?
    /// `$(info,…)` output.
    public internal(set) var infoMessages: [String] = []
    public var warnAssignUndef = false
    public var warnAssignOverride = true
    public var warnAssignRedun = true
    var warnAssignNoPrompt = true
    public let configPrefix = "CONFIG_"
    var loadingLocation: (file: String, line: Int)?

    // Parser state.
    var parsingKconfigs = true
    var filename: String
    var linenr = 0
    var includePath: [(String, Int)] = []
    /// The real paths of the files being parsed (outermost first), to catch `source` cycles.
    var openRealPaths: [String] = []
    var fileStack: [([(String, Int)], SourceLines)] = []
    var reader: SourceLines
    var tokens: [Token] = []
    var tokenIndex = 0
    var reuseTokens = false
    var currentLine: ArraySlice<UInt8> = []
    /// The node being finalized, where an expression built then is located.
    var finalizingNode: MenuNode?

    /// Parses `filename` (relative to `rootDirectory`) and everything it sources, then finalizes the tree, runs the
    /// sanity checks and the dependency-loop check. Throws `KconfigError` with kconfiglib's message.
    public init(
        rootDirectory: String, filename: String = "Kconfig", environment: [String: String] = [:],
        limits: KconfigLimits = .default
    ) throws {
        self.rootDirectory = FileSystem.absolute(rootDirectory)
        self.environment = environment
        self.limits = limits
        let n = Symbol(name: "n", isConstant: true, n: nil)
        let m = Symbol(name: "m", isConstant: true, n: nil)
        let y = Symbol(name: "y", isConstant: true, n: nil)
        for (value, symbol) in [n, m, y].enumerated() {
            symbol.origType = .tristate
            symbol.cachedTriValue = value
            symbol.directDep = .symbol(n)
            symbol.revDep = .symbol(n)
            symbol.weakRevDep = .symbol(n)
        }
        self.n = n
        self.m = m
        self.y = y
        self.nExpr = .symbol(n)
        self.yExpr = .symbol(y)
        self.constSyms = ["n": n, "m": m, "y": y]
        let modules = Symbol(name: "MODULES", isConstant: false, n: n)
        self.modules = modules
        self.syms["MODULES"] = modules
        self.symbolTable.insert(modules)

        let top = MenuNode(item: .menu, filename: filename, line: 1, y: .symbol(y))
        top.isMenuconfig = true
        top.prompt = ("Main menu", .symbol(y))
        self.topNode = top
        self.kconfigFilenames = [filename]
        self.filename = filename
        self.reader = SourceLines(bytes: [], displayName: filename)

        let rootPath = FileSystem.join(self.rootDirectory, filename)
        self.reader = try self.openSource(rootPath, displayName: filename)
        self.openRealPaths = [FileSystem.absolute(rootPath)]
        let last = try self.parseBlock(end: nil, parent: top, previous: top)
        last.next = nil
        top.list = top.next
        top.next = nil
        self.parsingKconfigs = false

        try self.finalizeNode(top, visibleIf: self.yExpr, depth: -1)
        try self.throwRecordedLimit()
        self.uniqueDefinedSymbols = orderedUnique(self.definedSyms)
        self.uniqueChoices = orderedUnique(self.choices)
        try self.checkSymbolSanity()
        try self.checkChoiceSanity()
        self.buildDependents()
        for symbol in self.uniqueDefinedSymbols {
            if let loop = try self.checkDependencyLoop(symbol: symbol, ignoreChoice: false, depth: 1) {
                throw KconfigError(self.dependencyLoopMessage(loop))
            }
        }
        for choice in self.uniqueChoices {
            for symbol in choice.symbols where !symbol.dependents.contains(where: { $0.id == ObjectIdentifier(choice) }) {
                symbol.dependents.append(.choice(choice))
            }
        }
    }

    /// The `mainmenu` title.
    public var mainmenuText: String { self.topNode.prompt?.text ?? "" }

    func lookupSymbol(_ name: String) -> Symbol {
        if let symbol = self.syms[name] { return symbol }
        let symbol = Symbol(name: name, isConstant: false, n: self.n)
        if self.parsingKconfigs {
            self.syms[name] = symbol
            self.symbolTable.insert(symbol)
        }
        return symbol
    }

    /// `_lookup_sym()` for a name still in the line's bytes.
    func lookupSymbol<C: Collection>(bytes: C) -> Symbol where C.Element == UInt8 {
        let hash = SymbolTable.hash(bytes)
        if let symbol = self.symbolTable.find(bytes, hash: hash) { return symbol }
        return self.lookupSymbol(Bytes.string(bytes))
    }

    func lookupConstSymbol(_ name: String) -> Symbol {
        if let symbol = self.constSyms[name] { return symbol }
        let symbol = Symbol(name: name, isConstant: true, n: self.n)
        if self.parsingKconfigs { self.constSyms[name] = symbol }
        return symbol
    }

    /// `_warn()`.
    func warn(_ message: String, file: String? = nil, line: Int? = nil, origin: (file: String, line: Int)? = nil) {
        var text = "warning: " + message
        if let file { text = "\(file):\(line ?? 0): " + text }
        self.warnings.append(text)
        self.warningOrigins.append(file == nil ? origin ?? self.fragmentLine : nil)
    }

    /// The warnings as people should read them: each one that concerns a fragment line starts with `FILE:LINE:`.
    public func locatedWarnings(_ range: Range<Int>) -> [String] {
        range.map { index in
            guard let origin = self.warningOrigins[index] else { return self.warnings[index] }
            return "\(origin.file):\(origin.line): " + self.warnings[index]
        }
    }

    func isY(_ expr: Expr) -> Bool { expr.isSymbol(self.y) }
    func isN(_ expr: Expr) -> Bool { expr.isSymbol(self.n) }

    /// `_make_and()`. An expression deeper than `limits.maximumExpressionDepth` is recorded as the limit error (the
    /// parser and finalization throw it) and replaced by `n`, so that it stops growing.
    func makeAnd(_ left: Expr, _ right: Expr) -> Expr {
        if self.isY(left) { return right }
        if self.isY(right) { return left }
        if self.isN(left) || self.isN(right) { return self.nExpr }
        let expr = Expr.and(left, right)
        return expr.depth > self.limits.maximumExpressionDepth ? self.expressionTooDeep() : expr
    }

    /// `_make_or()`, limited as `makeAnd()` is.
    func makeOr(_ left: Expr, _ right: Expr) -> Expr {
        if self.isN(left) { return right }
        if self.isN(right) { return left }
        if self.isY(left) || self.isY(right) { return self.yExpr }
        let expr = Expr.or(left, right)
        return expr.depth > self.limits.maximumExpressionDepth ? self.expressionTooDeep() : expr
    }

    private func expressionTooDeep() -> Expr {
        let location = self.finalizingNode.map { "\($0.filename):\($0.line)" } ?? "\(self.filename):\(self.linenr)"
        self.recordLimit(
            KconfigError(
                "\(location): error: \(recursionErrorText): an expression nests deeper than \(self.limits.maximumExpressionDepth) levels (through 'depends on', 'select', 'imply' or the blocks around it)",
                limit: .expressionDepth))
        return self.nExpr
    }
}

/// A preprocessor variable (`X = v`, `X := v`, `X += v`).
final class Variable {
    let name: String
    var value: [UInt8] = []
    var isRecursive = true
    var expansions = 0

    init(name: String) { self.name = name }
}

/// `_ordered_unique()` for symbols, using their `visited` mark (reset afterwards).
func orderedUnique(_ symbols: [Symbol]) -> [Symbol] {
    var unique: [Symbol] = []
    unique.reserveCapacity(symbols.count)
    for symbol in symbols where symbol.visited == 0 {
        symbol.visited = 1
        unique.append(symbol)
    }
    for symbol in unique { symbol.visited = 0 }
    return unique
}

/// `_ordered_unique()` for choices.
func orderedUnique(_ choices: [Choice]) -> [Choice] {
    var unique: [Choice] = []
    for choice in choices where choice.visited == 0 {
        choice.visited = 1
        unique.append(choice)
    }
    for choice in unique { choice.visited = 0 }
    return unique
}
