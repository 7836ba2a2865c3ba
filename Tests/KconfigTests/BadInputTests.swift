import Foundation
import Testing
@testable import Kconfig

/// Bad input gives kconfiglib's message with FILE:LINE, the build would abort, and nothing crashes.
@Suite("Kconfig bad input")
struct BadInputTests {
    static let base = "config FLAG\n\tbool \"flag\"\nconfig COUNT\n\tint \"count\"\n\trange 1 10\n\tdefault 5\nconfig DEP\n\tbool \"dep\"\n\tdepends on FLAG\n"

    func expectFatal(_ outcome: ZephyrKconfigOutcome, _ fragment: String) {
        #expect(outcome.isFatal)
        #expect(outcome.diagnostics.contains { $0.contains(fragment) }, "\(outcome.diagnostics)")
    }

    @Test("an undefined symbol")
    func undefinedSymbol() throws {
        let tree = try ScratchTree(["Kconfig": Self.base, "prj.conf": "CONFIG_FLAG=y\nCONFIG_NOPE=y\n"])
        self.expectFatal(tree.build(), "prj.conf:2: warning: attempt to assign the value 'y' to the undefined symbol NOPE")
    }

    @Test("a wrong type: text for an int, a number for a bool")
    func wrongType() throws {
        let tree = try ScratchTree(["Kconfig": Self.base, "prj.conf": "CONFIG_COUNT=abc\nCONFIG_FLAG=1\n"])
        let outcome = tree.build()
        self.expectFatal(outcome, "prj.conf:1: warning: the value 'abc' is invalid for COUNT (defined at Kconfig:3), which has type int -- assignment ignored")
        self.expectFatal(outcome, "prj.conf:2: warning: '1' is not a valid value for the bool symbol FLAG (defined at Kconfig:1). Assignment ignored.")
    }

    @Test("an out-of-range value")
    func outOfRange() throws {
        let tree = try ScratchTree(["Kconfig": Self.base, "prj.conf": "CONFIG_COUNT=99\n"])
        let outcome = tree.build()
        self.expectFatal(outcome, "prj.conf:1: warning: user value 99 on the int symbol COUNT (defined at Kconfig:3) ignored due to being outside the active range ([1, 10]) -- falling back on defaults")
        #expect(outcome.kconfig.map { $0.strValue($0.syms["COUNT"]!) } == "5")
    }

    @Test("an unmet dependency is reported with the dependency, and is only a warning")
    func unmetDependency() throws {
        let tree = try ScratchTree(["Kconfig": Self.base, "prj.conf": "CONFIG_DEP=y\n"])
        let outcome = tree.build()
        #expect(!outcome.isFatal)
        #expect(outcome.diagnostics.count == 1)
        let text = outcome.diagnostics[0].replacingOccurrences(of: "\n", with: " ")
        #expect(text.hasPrefix("prj.conf:1: warning: DEP (defined at Kconfig:7) was assigned the value 'y' but got the value 'n'. Check these unsatisfied dependencies: FLAG (=n)."))
    }

    @Test("an unterminated string in Kconfig")
    func unterminatedString() throws {
        let tree = try ScratchTree(["Kconfig": "config A\n\tstring \"A\n"])
        let outcome = tree.build()
        #expect(outcome.error == "Kconfig:2: error: couldn't parse 'string \"A': unterminated string")
        #expect(outcome.diagnostics == ["Kconfig:2: error: couldn't parse 'string \"A': unterminated string"])
    }

    @Test("a binary garbage file")
    func binaryGarbage() throws {
        let tree = try ScratchTree(["Kconfig": Self.base])
        try tree.write("prj.conf", .init([0x43, 0x4F, 0x4E, 0x0A, 0xFF, 0xFE, 0x00, 0x80, 0x0A]))
        let outcome = tree.build()
        #expect(outcome.isFatal)
        #expect(outcome.diagnostics.first == "prj.conf:2: error: the file is not valid UTF-8 text")
        #expect(outcome.error == "Malformed utf-8 in 'prj.conf'\nContext: b'CON\\n\\xff\\xfe\\x00\\x80\\n'\nProblematic data: b'\\xff'\nReason: invalid start byte")
    }

    @Test("a missing sourced file")
    func missingSource() throws {
        let tree = try ScratchTree(["Kconfig": "config A\n\tbool \"A\"\nsource \"lib/Kconfig\"\n"])
        let outcome = tree.build()
        #expect(outcome.error?.hasPrefix("Kconfig:3: 'lib/Kconfig' not found (in 'source \"lib/Kconfig\"').") == true)
    }

    @Test("a source cycle")
    func sourceCycle() throws {
        let tree = try ScratchTree(["Kconfig": "rsource \"a/Kconfig\"\n", "a/Kconfig": "config A\n\tbool \"A\"\nsource \"Kconfig\"\n"])
        let outcome = tree.build()
        #expect(outcome.error == "a/Kconfig:3: recursive 'source' of 'Kconfig' detected. Check that environment variables are set correctly.\nInclude path:\nKconfig:1\na/Kconfig:3")
    }

    @Test("a source cycle through a differently spelled path is caught, not a stack overflow")
    func sourceCycleThroughDotDot() throws {
        let tree = try ScratchTree(["Kconfig": "rsource \"a/Kconfig\"\n", "a/Kconfig": "rsource \"../Kconfig\"\n"])
        let outcome = tree.build()
        #expect(outcome.error?.hasPrefix("a/../a/Kconfig:1: recursive 'source' of 'a/../a/../Kconfig' detected.") == true)
    }

    @Test("a malformed fragment line and a promptless assignment")
    func malformedLineAndPromptless() throws {
        let tree = try ScratchTree(["Kconfig": Self.base + "config HIDDEN\n\tbool\n", "prj.conf": "CONFIG_FLAG y\nCONFIG_HIDDEN=y\n"])
        let outcome = tree.build()
        self.expectFatal(outcome, "prj.conf:1: warning: ignoring malformed line 'CONFIG_FLAG y'")
        self.expectFatal(outcome, "prj.conf:2: error: HIDDEN (defined at Kconfig:10) is assigned in a configuration file, but is not directly")
    }

    @Test("a missing fragment")
    func missingFragment() throws {
        let tree = try ScratchTree(["Kconfig": Self.base])
        let outcome = tree.build(extra: ["missing.conf"])
        #expect(outcome.error?.contains("missing.conf' (ENOENT: No such file or directory)") == true)
    }
}
