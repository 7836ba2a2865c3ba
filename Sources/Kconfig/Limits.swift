/// Bounds on what the engine reads and how deeply it recurses, so that a hostile tree or fragment ends in a
/// `KconfigError` instead of a stack overflow, an allocation failure or a hang.
///
/// kconfiglib has no such limits of its own: it runs into Python's recursion limit (`sys.getrecursionlimit()`,
/// 1000 frames) and raises `RecursionError: maximum recursion depth exceeded`, the text these errors reuse. Every
/// parser and evaluator call it makes is at least one Python frame, so every tree kconfiglib can read nests fewer
/// than 1000 levels deep in each of the senses below. The defaults allow at least that (1000 levels of nesting,
/// 2500 of expressions, 1000 symbols evaluated one inside the other, 5000 in a dependency chain), and keep the
/// deepest recursion they allow within half of a default 8 MiB thread stack even in a debug build, where frames
/// are several times larger.
public struct KconfigLimits: Sendable, Equatable {
    /// The largest Kconfig file or `.conf` fragment read, in bytes. Only regular files are read at all: a FIFO, a
    /// character or block device or a socket is refused before a byte is read.
    public var maximumFileBytes: Int
    /// How deeply things may nest: `if`/`menu`/`choice` blocks and `source`d files while parsing, the menu tree
    /// (those blocks plus implicit submenus) while it is finalized, and parentheses in an expression.
    public var maximumNesting: Int
    /// The deepest expression, in operators (`&&`, `||`, `!`, parentheses), as written or as built up by
    /// `depends on` lines, propagated dependencies and `select`/`imply` conditions.
    public var maximumExpressionDepth: Int
    /// The longest chain of symbols whose values depend on each other (the dependency-loop check walks it).
    public var maximumDependencyChain: Int
    /// How deeply evaluation may recurse, counted in expression levels, each symbol or choice counting ten: a value
    /// that needs more is refused (`Kconfig.limitError`) instead of overflowing the stack.
    public var maximumEvaluationDepth: Int
    /// How many `$(…)` expansions (variables, functions, arguments) one parse may perform in all.
    public var maximumMacroExpansions: Int
    /// How many bytes of text `$(…)` expansions may build in one parse: their values, and the lines they are put
    /// back into (also the most a `$(shell,…)` may print).
    public var maximumMacroBytes: Int

    public init(
        maximumFileBytes: Int = 16 << 20, maximumNesting: Int = 1_000, maximumExpressionDepth: Int = 2_500,
        maximumDependencyChain: Int = 5_000, maximumEvaluationDepth: Int = 10_000,
        maximumMacroExpansions: Int = 100_000, maximumMacroBytes: Int = 16 << 20
    ) {
        self.maximumFileBytes = maximumFileBytes
        self.maximumNesting = maximumNesting
        self.maximumExpressionDepth = maximumExpressionDepth
        self.maximumDependencyChain = maximumDependencyChain
        self.maximumEvaluationDepth = maximumEvaluationDepth
        self.maximumMacroExpansions = maximumMacroExpansions
        self.maximumMacroBytes = maximumMacroBytes
    }

    public static let `default` = KconfigLimits()
}

/// Which of the `KconfigLimits` an input went over.
public enum KconfigLimit: String, Sendable, Equatable {
    case fileBytes, nesting, expressionDepth, dependencyChain, evaluationDepth, macroExpansions, macroBytes
}

/// Python's `RecursionError` text, which kconfiglib shows for every input these limits refuse.
let recursionErrorText = "maximum recursion depth exceeded"

extension Kconfig {
    /// The line being parsed, shortened for a limit's message (a hostile line can be megabytes long).
    var shortenedCurrentLine: String {
        let text = Bytes.string(self.currentLine.prefix(160)).pythonStripped
        return self.currentLine.count > 160 ? text + "…" : text
    }

    /// A limit refused the line being parsed: kconfiglib's `FILE:LINE: error: couldn't parse 'LINE': ` form.
    func limitError(_ limit: KconfigLimit, _ message: String) -> KconfigError {
        KconfigError(
            "\(self.filename):\(self.linenr): error: couldn't parse '\(self.shortenedCurrentLine)': \(message)",
            limit: limit)
    }

    /// Records the first limit an operation without a way to throw went over (`makeAnd()`, evaluation); the
    /// parser, finalization and `ZephyrKconfigBuild` throw it.
    func recordLimit(_ error: @autoclosure () -> KconfigError) {
        if self.limitError == nil { self.limitError = error() }
    }

    /// Throws the recorded limit error, if any.
    func throwRecordedLimit() throws {
        if let error = self.limitError { throw error }
    }
}
