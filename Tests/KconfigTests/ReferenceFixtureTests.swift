import Testing
@testable import Kconfig

/// Fixtures whose expected results were observed running kconfiglib 14.1.0 (PyPI, Python 3.11) on the same trees;
/// they pin the behaviour without needing Python.
@Suite("Kconfig reference fixtures")
struct ReferenceFixtureTests {
    @Test("int default \"0x10\" with range 1 3: a non-int default warning and the clamped value 1")
    func nonIntDefault() throws {
        let tree = try ScratchTree(["Kconfig": "config I\n\tint \"I\"\n\tdefault \"0x10\"\n\trange 1 3\n"])
        let outcome = tree.build()
        #expect(outcome.parseWarnings == ["warning: the int symbol I (defined at Kconfig:1) has a non-int default 0x10 (undefined)"])
        #expect(outcome.configText == "CONFIG_I=1\n")
    }

    @Test("hex with a range and no default is 0x10, silently")
    func hexRangeNoDefault() throws {
        let tree = try ScratchTree(["Kconfig": "config H\n\thex \"H\"\n\trange 0x10 0x20\n"])
        let outcome = tree.build()
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.configText == "CONFIG_H=0x10\n")
        #expect(outcome.autoconfText == "#define CONFIG_H 0x10\n")
    }

    @Test("a string default written without quotes warns and is used")
    func unquotedStringDefault() throws {
        let tree = try ScratchTree(["Kconfig": "config S\n\tstring \"S\"\n\tdefault foo\n"])
        let outcome = tree.build()
        #expect(outcome.parseWarnings == ["warning: style: quotes recommended around default value for string symbol S (defined at Kconfig:1)"])
        #expect(outcome.configText == "CONFIG_S=\"foo\"\n")
    }

    @Test("dependency propagation prints as kconfiglib does: (P || Q) && P && P")
    func propagation() throws {
        let tree = try ScratchTree([
            "Kconfig": "config P\n\tbool \"P\"\nconfig Q\n\tbool \"Q\"\nconfig T\n\tbool\n\tdepends on n\nmenu \"M\"\n\tdepends on P\nif P\nconfig S\n\tbool \"S\"\n\tdepends on P || Q\n\tselect T if !Q\nendif\nendmenu\n",
            "prj.conf": "CONFIG_P=y\nCONFIG_S=y\n",
        ])
        let outcome = tree.build()
        let kconfig = try #require(outcome.kconfig)
        #expect(exprString(kconfig.syms["S"]!.directDep) == "(P || Q) && P && P")
        #expect(outcome.evaluationWarnings == [
            "warning: T (defined at Kconfig:5) has direct dependencies n with value n, but is currently being y-selected by the following symbols:\n - S (defined at Kconfig:11), with value y, direct dependencies (P || Q) && P && P (value: y), and select condition !Q && (P || Q) && P && P (value: y)",
        ])
    }

    @Test("relation precedence: !A = n parses as !(A = n)")
    func relationPrecedence() throws {
        let tree = try ScratchTree(["Kconfig": "config A\n\tbool \"A\"\nconfig B\n\tdef_bool !A = n\n"])
        let kconfig = try #require(tree.build().kconfig)
        #expect(exprString(kconfig.syms["B"]!.defaults[0].0) == "!(A = n)")
    }

    @Test(".config layout: menus, comments, end markers and the blank line after them")
    func configLayout() throws {
        let tree = try ScratchTree([
            "Kconfig": "config A\n\tbool \"A\"\ncomment \"A is off\"\n\tdepends on !A\nmenu \"Outer\"\nconfig B\n\tbool \"B\"\nmenu \"Inner\"\nconfig C\n\tstring \"C\"\nendmenu\nendmenu\nconfig D\n\tbool \"D\"\n\tdefault y\nconfig F\n\tbool \"F\"\n",
        ])
        #expect(tree.build().configText == """
            # CONFIG_A is not set

            #
            # A is off
            #

            #
            # Outer
            #
            # CONFIG_B is not set

            #
            # Inner
            #
            CONFIG_C=""
            # end of Inner
            # end of Outer

            CONFIG_D=y
            # CONFIG_F is not set

            """)
    }

    @Test("fragment quirks: yes is y, trailing text after a string, verbatim ints, no escapes but \\x → x")
    func fragmentQuirks() throws {
        let tree = try ScratchTree([
            "Kconfig": "config B\n\tbool \"B\"\nconfig S\n\tstring \"S\"\nconfig I\n\tint \"I\"\nconfig H\n\thex \"H\"\n",
            "prj.conf": "CONFIG_B=yes\nCONFIG_S=\"a\\tb \\\"q\\\"\" trailing\nCONFIG_I= 5\nCONFIG_H=20001000\n",
        ])
        let outcome = tree.build()
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.configText == "CONFIG_B=y\nCONFIG_S=\"atb \\\"q\\\"\"\nCONFIG_I= 5\nCONFIG_H=20001000\n")
        #expect(outcome.autoconfText == "#define CONFIG_B 1\n#define CONFIG_S \"atb \\\"q\\\"\"\n#define CONFIG_I  5\n#define CONFIG_H 0x20001000\n")
    }

    @Test("choices: the last =y wins and =n does not clear the selection")
    func choiceSelection() throws {
        let tree = try ScratchTree([
            "Kconfig": "choice\n\tprompt \"C\"\nconfig C1\n\tbool \"1\"\nconfig C2\n\tbool \"2\"\nendchoice\n",
            "prj.conf": "CONFIG_C2=y\nCONFIG_C2=n\n",
        ])
        #expect(tree.build().configText == "# CONFIG_C1 is not set\nCONFIG_C2=y\n")
    }

    @Test("a dependency loop is an error naming both symbols")
    func dependencyLoop() throws {
        let tree = try ScratchTree(["Kconfig": "config A\n\tbool \"A\"\n\tdepends on B\nconfig B\n\tbool \"B\"\n\tdepends on A\n"])
        let error = try #require(tree.build().error)
        #expect(error.hasPrefix("Dependency loop\n===============\n\nA (defined at Kconfig:1), with definition..."))
        #expect(error.hasSuffix("...depends again on A (defined at Kconfig:1)"))
    }

    @Test("preprocessor: recursive and simple variables, +=, functions with arguments, the environment")
    func preprocessor() throws {
        let tree = try ScratchTree([
            "Kconfig": "V = a\nV += b\nW := x$(V)\nV += c\nF = <$(1)|$(2)>\nconfig S\n\tstring \"p $(F,1,2) $(W) $(V) $(NOENV) $(E)\"\n",
        ])
        let kconfig = try #require(tree.build(environment: ["E": "env"]).kconfig)
        #expect(kconfig.syms["S"]!.nodes[0].prompt?.text == "p <1|2> xa b a b c  env")
    }

    @Test("Python int() forms: signs, underscores, base prefixes, leading zeros")
    func pythonInt() {
        #expect(PythonInt.parse(" 1_000 ", base: 10) == 1000)
        #expect(PythonInt.parse("1__0", base: 10) == nil)
        #expect(PythonInt.parse("0X1f", base: 16) == 31)
        #expect(PythonInt.parse("1f", base: 16) == 31)
        #expect(PythonInt.parse("-0x5", base: 16) == -5)
        #expect(PythonInt.parse("010", base: 0) == nil)
        #expect(PythonInt.parse("00", base: 0) == 0)
        #expect(PythonInt.parse("0b11", base: 0) == 3)
        #expect(PythonInt.parse("0x_1", base: 16) == 1)
        #expect(PythonInt.parse("", base: 10) == nil)
    }
}
