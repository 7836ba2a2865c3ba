import Foundation
import Testing
@testable import Kconfig

#if canImport(Glibc)
import Glibc
#endif

/// Hostile trees and fragments end in a `KconfigError` naming the file, the line and the limit, never in a stack
/// overflow, an allocation failure or a hang (kconfiglib raises `RecursionError` or runs out of memory there).
@Suite("Kconfig limits")
struct LimitTests {
    static let flag = "config A\n\tbool \"a\"\n"

    /// Runs the tree with `limits` and expects the run to fail on `limit`, with `text` in the error.
    func expectRefused(
        _ tree: ScratchTree, _ limit: KconfigLimit?, _ text: String, limits: KconfigLimits = .default,
        extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let outcome = tree.build(extra: extra, limits: limits)
        #expect(outcome.isFatal, sourceLocation: sourceLocation)
        #expect(outcome.exceededLimit == limit, "\(outcome.error ?? "no error")", sourceLocation: sourceLocation)
        #expect(outcome.error?.contains(text) == true, "\(outcome.error ?? "no error")", sourceLocation: sourceLocation)
    }

    // MARK: Nesting

    @Test("30,000 nested ifs: the block that goes over the limit is named")
    func nestedIfs() throws {
        let depth = 30_000
        let text = Self.flag + String(repeating: "if A\n", count: depth) + "config B\n\tbool \"b\"\n" + String(repeating: "endif\n", count: depth)
        let tree = try ScratchTree(["Kconfig": text])
        self.expectRefused(tree, .nesting, "Kconfig:1003: error: couldn't parse 'if A': maximum recursion depth exceeded: if/menu/choice blocks and sourced files nest deeper than 1000 levels")
    }

    @Test("nesting up to the limit parses; one more level does not", arguments: [("menu \"m\"\n", "endmenu\n"), ("if A\n", "endif\n"), ("choice\n\tbool \"c\"\n", "endchoice\n")])
    func nestingAtTheLimit(_ open: String, _ close: String) throws {
        var limits = KconfigLimits.default
        limits.maximumNesting = 40
        func tree(_ depth: Int) throws -> ScratchTree {
            // No symbol before the blocks: `if A` after `config A` would make the blocks an implicit submenu of A,
            // one level deeper.
            try ScratchTree(["Kconfig": String(repeating: open, count: depth) + "config B\n\tbool \"b\"\n" + String(repeating: close, count: depth)])
        }
        #expect(try tree(40).build(limits: limits).error == nil)
        #expect(try tree(41).build(limits: limits).exceededLimit == .nesting)
    }

    @Test("kconfiglib's deepest trees (988 nested ifs and menus) stay well within the defaults")
    func kconfiglibDepths() throws {
        let ifs = Self.flag + String(repeating: "if A\n", count: 988) + "config B\n\tbool \"b\"\n" + String(repeating: "endif\n", count: 988)
        let outcome = try ScratchTree(["Kconfig": ifs, "prj.conf": "CONFIG_A=y\nCONFIG_B=y\n"]).build()
        #expect(outcome.error == nil)
        #expect(outcome.configText.contains("CONFIG_B=y"))
        let menus = String(repeating: "menu \"m\"\n", count: 988) + "config B\n\tbool \"b\"\n" + String(repeating: "endmenu\n", count: 988)
        #expect(try ScratchTree(["Kconfig": menus]).build().error == nil)
    }

    @Test("a chain of sourced files deeper than the limit")
    func sourceChain() throws {
        var files: [String: String] = ["Kconfig": "rsource \"d0/Kconfig\"\n"]
        var path = "d0"
        for level in 1...60 {
            files[path + "/Kconfig"] = "rsource \"d\(level)/Kconfig\"\n"
            path += "/d\(level)"
        }
        files[path + "/Kconfig"] = Self.flag
        var limits = KconfigLimits.default
        limits.maximumNesting = 50
        self.expectRefused(try ScratchTree(files), .nesting, "/d49/Kconfig:1: error: couldn't parse 'rsource \"d50/Kconfig\"': maximum recursion depth exceeded", limits: limits)
    }

    @Test("30,000 nested parentheses")
    func parentheses() throws {
        let text = Self.flag + "config B\n\tbool \"b\"\n\tdepends on " + String(repeating: "(", count: 30_000) + "A" + String(repeating: ")", count: 30_000) + "\n"
        self.expectRefused(try ScratchTree(["Kconfig": text]), .nesting, "Kconfig:5: error: couldn't parse 'depends on ((((")
        self.expectRefused(try ScratchTree(["Kconfig": text]), .nesting, "…': maximum recursion depth exceeded: parentheses nest deeper than 1000 levels")
    }

    @Test("implicit submenus (each symbol depending on the one before) deeper than the limit")
    func implicitSubmenus() throws {
        var text = Self.flag
        for index in 0..<60 { text += "config S\(index)\n\tbool \"s\"\n\tdepends on \(index == 0 ? "A" : "S\(index - 1)")\n" }
        var limits = KconfigLimits.default
        limits.maximumNesting = 50
        self.expectRefused(try ScratchTree(["Kconfig": text]), .nesting, "Kconfig:153: error: maximum recursion depth exceeded: the menu tree nests deeper than 50 levels", limits: limits)
    }

    // MARK: Expressions

    @Test("100,000 negations")
    func negations() throws {
        let text = Self.flag + "config B\n\tbool \"b\"\n\tdepends on " + String(repeating: "!", count: 100_000) + "A\n"
        self.expectRefused(try ScratchTree(["Kconfig": text]), .expressionDepth, "Kconfig:5: error: couldn't parse 'depends on !!!!")
    }

    @Test("a 200,000-term &&, and a 200,000-term ||")
    func longChains() throws {
        for op in [" && ", " || "] {
            let text = Self.flag + "config B\n\tbool \"b\"\n\tdepends on " + Array(repeating: "A", count: 200_000).joined(separator: op) + "\n"
            self.expectRefused(try ScratchTree(["Kconfig": text]), .expressionDepth, "…': maximum recursion depth exceeded: the expression nests deeper than 2500 levels")
        }
    }

    @Test("an expression at the depth limit parses and evaluates; one level more does not")
    func expressionAtTheLimit() throws {
        var limits = KconfigLimits.default
        limits.maximumExpressionDepth = 100
        func tree(_ terms: Int) throws -> ScratchTree {
            try ScratchTree(["Kconfig": Self.flag + "config B\n\tbool \"b\"\n\tdepends on " + Array(repeating: "A", count: terms).joined(separator: " && ") + "\n", "prj.conf": "CONFIG_A=y\nCONFIG_B=y\n"])
        }
        // n terms make n - 1 operators; the propagated dependencies of the top level add none.
        let outcome = try tree(101).build(limits: limits)
        #expect(outcome.error == nil)
        #expect(outcome.configText.contains("CONFIG_B=y"))
        #expect(try tree(102).build(limits: limits).exceededLimit == .expressionDepth)
    }

    @Test("dependencies built up line by line: 'depends on' lines, and symbols selecting one symbol")
    func accumulatedDependencies() throws {
        var limits = KconfigLimits.default
        limits.maximumExpressionDepth = 100
        let depends = Self.flag + "config B\n\tbool \"b\"\n" + String(repeating: "\tdepends on A\n", count: 200)
        self.expectRefused(try ScratchTree(["Kconfig": depends]), .expressionDepth, "Kconfig:106: error: maximum recursion depth exceeded: an expression nests deeper than 100 levels", limits: limits)
        var selects = "config T\n\tbool\n"
        for index in 0..<200 { selects += "config S\(index)\n\tbool \"s\"\n\tselect T\n" }
        self.expectRefused(try ScratchTree(["Kconfig": selects]), .expressionDepth, "error: maximum recursion depth exceeded: an expression nests deeper than 100 levels", limits: limits)
    }

    // MARK: Dependency chains and evaluation

    @Test("a chain of symbols, each defaulting to the next, longer than the dependency-chain limit")
    func dependencyChain() throws {
        var text = ""
        for index in 0..<100 { text += "config S\(index)\n\tint \"s\"\n" + (index > 0 ? "\tdefault S\(index - 1)\n" : "\tdefault 1\n") }
        var limits = KconfigLimits.default
        limits.maximumDependencyChain = 50
        self.expectRefused(try ScratchTree(["Kconfig": text]), .dependencyChain, "error: maximum recursion depth exceeded: a chain of more than 50 symbols depend on each other, down to S", limits: limits)
    }

    @Test("an evaluation deeper than the limit is refused, not reported wrong; within it, the chain evaluates")
    func evaluationDepth() throws {
        var text = ""
        for index in 0..<100 { text += "config S\(index)\n\tint \"s\"\n" + (index < 99 ? "\tdefault S\(index + 1)\n" : "\tdefault 7\n") }
        let tree = try ScratchTree(["Kconfig": text])
        var limits = KconfigLimits.default
        limits.maximumEvaluationDepth = 60
        self.expectRefused(tree, .evaluationDepth, "error: maximum recursion depth exceeded: evaluating ", limits: limits)
        let outcome = tree.build()
        #expect(outcome.error == nil)
        #expect(outcome.configText.hasPrefix("CONFIG_S0=7\n"))
    }

    @Test("an 800-symbol chain evaluates, and a change at its start invalidates all of it")
    func longChainInvalidation() throws {
        var text = ""
        let count = 800
        for index in 0..<count { text += "config S\(index)\n\tbool \"s\"\n" + (index > 0 ? "\tdefault S\(index - 1)\n" : "") }
        let tree = try ScratchTree(["Kconfig": text])
        let kconfig = try Kconfig(rootDirectory: tree.path)
        let last = try #require(kconfig.syms["S\(count - 1)"])
        let first = try #require(kconfig.syms["S0"])
        for symbol in kconfig.uniqueDefinedSymbols { _ = kconfig.strValue(symbol) }
        #expect(kconfig.strValue(last) == "n")
        kconfig.setValue(first, .tristate(2))
        #expect(kconfig.strValue(last) == "y")
        #expect(kconfig.limitError == nil)
    }

    // MARK: The preprocessor

    @Test("A = $(B)$(B), 39 levels deep: the expansion budget names the macro and the file")
    func exponentialMacros() throws {
        var text = "L0 = x\n"
        for level in 1...39 { text += "L\(level) = $(L\(level - 1))$(L\(level - 1))\n" }
        text += "config A\n\tstring \"a\"\n\tdefault \"$(L39)\"\n"
        let tree = try ScratchTree(["Kconfig": text])
        self.expectRefused(tree, .macroExpansions, "Kconfig:43: error: couldn't parse 'default \"$(L39)\"': expanding $(L")
        self.expectRefused(tree, .macroExpansions, "goes over the preprocessor's budget of 100000 expansions in one parse")
    }

    @Test("immediate variables doubling at each line go over the bytes budget")
    func doublingVariable() throws {
        var text = "X := x\n"
        for _ in 0..<30 { text += "X := $(X)$(X)\n" }
        self.expectRefused(try ScratchTree(["Kconfig": text + Self.flag]), .macroBytes, "error: couldn't parse 'X := $(X)$(X)': expanding $(X) goes over the preprocessor's budget of 16777216 bytes")
    }

    @Test("a chain of variables deeper than the nesting limit")
    func variableChain() throws {
        var text = ""
        for level in 0..<20_000 { text += "V\(level) = $(V\(level + 1))\n" }
        text += "config A\n\tstring \"a\"\n\tdefault \"$(V0)\"\n"
        self.expectRefused(try ScratchTree(["Kconfig": text]), .nesting, "Kconfig:20003: error: couldn't parse 'default \"$(V0)\"': maximum recursion depth exceeded: $(…) expansions nest deeper than 1000 levels, at $(V")
    }

    @Test("macros still expand as kconfiglib expands them: arguments, nesting, escapes and quotes")
    func macroSemantics() throws {
        let text = """
            f = [$(1)|$(2)]
            v = $(f,a,$(f,b,c))
            n = 7
            config A
            \tstring "a"
            \tdefault "$(v) \\$(v) 'q' $(f,(x,y),z)"
            config S_$(n)
            \tint "s"
            \tdefault $(n)$(n)

            """
        let tree = try ScratchTree(["Kconfig": text])
        let outcome = tree.build()
        #expect(outcome.error == nil)
        #expect(outcome.configText == "CONFIG_A=\"[a|[b|c]] $(v) 'q' [(x,y)|z]\"\nCONFIG_S_7=77\n")
    }

    // MARK: Files

    @Test("a FIFO as prj.conf is refused at once (opening it would wait for a writer)")
    func fifoFragment() throws {
        let tree = try ScratchTree(["Kconfig": Self.flag])
        try FileManager.default.removeItem(atPath: tree.path + "/prj.conf")
        #expect(mkfifo(tree.path + "/prj.conf", 0o600) == 0)
        self.expectRefused(tree, nil, "Could not open 'prj.conf' (not a regular file: a FIFO).")
    }

    @Test("/dev/zero as a fragment is refused, not read until memory runs out")
    func deviceFragment() throws {
        let tree = try ScratchTree(["Kconfig": Self.flag])
        let outcome = ZephyrKconfigBuild(appDirectory: tree.path, extraFragments: ["/dev/zero"]).run()
        #expect(outcome.error == "Could not open '/dev/zero' (not a regular file: a character device).")
    }

    @Test("a sourced FIFO is refused with the line that sources it")
    func fifoSource() throws {
        let tree = try ScratchTree(["Kconfig": Self.flag + "source \"pipe\"\n"])
        #expect(mkfifo(tree.path + "/pipe", 0o600) == 0)
        self.expectRefused(tree, nil, "Kconfig:3: Could not open '\(FileSystem.absolute(tree.path))/pipe' (in 'source \"pipe\"') (not a regular file: a FIFO)")
    }

    @Test("files over the size limit are refused, Kconfig and fragments alike")
    func fileSize() throws {
        var limits = KconfigLimits.default
        limits.maximumFileBytes = 64
        let big = Self.flag + String(repeating: "# padding\n", count: 10)
        self.expectRefused(try ScratchTree(["Kconfig": big]), .fileBytes, "Could not open 'Kconfig' (EFBIG: File too large: \(big.utf8.count) bytes, over the limit of 64 bytes)", limits: limits)
        let fragment = String(repeating: "# CONFIG_A is not set\n", count: 4)
        self.expectRefused(try ScratchTree(["Kconfig": Self.flag, "prj.conf": fragment]), .fileBytes, "Could not open 'prj.conf' (EFBIG: File too large: 88 bytes, over the limit of 64 bytes).", limits: limits)
    }

    // MARK: Linear time

    @Test("200,000 continuation lines are joined in linear time")
    func continuationLines() throws {
        let text = Self.flag + "config B\n\tbool \"b\"\n\tdepends on A" + String(repeating: " \\\n", count: 200_000) + "\n"
        let outcome = try ScratchTree(["Kconfig": text, "prj.conf": "CONFIG_A=y\nCONFIG_B=y\n"]).build()
        #expect(outcome.error == nil)
        #expect(outcome.configText.contains("CONFIG_B=y"))
    }

    @Test("a glob with many stars is matched without backtracking")
    func globStars() throws {
        let name = String(repeating: "a", count: 200)
        let tree = try ScratchTree(["Kconfig": "osource \"" + String(repeating: "a*", count: 60) + "b\"\n" + Self.flag, name: Self.flag])
        #expect(tree.build().error == nil)
        #expect(Glob.fnmatch(Array("abcXd".unicodeScalars)[...], Array("a*[b-c]*?d".unicodeScalars)[...]))
        #expect(!Glob.fnmatch(Array("abc".unicodeScalars)[...], Array("a*[!c]".unicodeScalars)[...]))
        #expect(Glob.fnmatch(Array("[x".unicodeScalars)[...], Array("[x".unicodeScalars)[...]))
    }
}
