/// Kconfig keywords (kconfiglib's `_get_keyword`).
enum Keyword: Hashable {
    case help, allnoconfigY, bool, choice, comment, config, defBool, defHex, defInt, defString, defTristate
    case `default`, defconfigList, depends, endchoice, endif, endmenu, env, hex, `if`, imply, int, mainmenu
    case menu, menuconfig, modules, on, option, optional, orsource, osource, prompt, range, rsource, select
    case source, string, tristate, visible

    static let byName: [String: Keyword] = [
        "---help---": .help, "allnoconfig_y": .allnoconfigY, "bool": .bool, "boolean": .bool, "choice": .choice,
        "comment": .comment, "config": .config, "def_bool": .defBool, "def_hex": .defHex, "def_int": .defInt,
        "def_string": .defString, "def_tristate": .defTristate, "default": .default, "defconfig_list": .defconfigList,
        "depends": .depends, "endchoice": .endchoice, "endif": .endif, "endmenu": .endmenu, "env": .env,
        "grsource": .orsource, "gsource": .osource, "help": .help, "hex": .hex, "if": .if, "imply": .imply,
        "int": .int, "mainmenu": .mainmenu, "menu": .menu, "menuconfig": .menuconfig, "modules": .modules,
        "on": .on, "option": .option, "optional": .optional, "orsource": .orsource, "osource": .osource,
        "prompt": .prompt, "range": .range, "rsource": .rsource, "select": .select, "source": .source,
        "string": .string, "tristate": .tristate, "visible": .visible,
    ]

    /// The keyword spelled by these bytes, without building a string: every keyword starts with a lowercase letter
    /// or `-` and is at most 16 bytes, so its bytes pack into two integers that a small table compares.
    static func match<C: Collection>(_ bytes: C) -> Keyword? where C.Element == UInt8 {
        guard let first = bytes.first, (first >= 0x61 && first <= 0x7A) || first == 0x2D else { return nil }
        guard let key = PackedWord(bytes) else { return nil }
        for entry in Self.packed where entry.key == key { return entry.keyword }
        return nil
    }

    private static let packed: [(key: PackedWord, keyword: Keyword)] = Self.byName.map {
        (PackedWord($0.key.utf8)!, $0.value)
    }

    /// Keywords after which a word or quoted string is plain text, not a symbol (`_STRING_LEX`).
    var isStringLex: Bool {
        switch self {
        case .bool, .choice, .comment, .hex, .int, .mainmenu, .menu, .orsource, .osource, .prompt, .rsource, .source,
            .string, .tristate:
            return true
        default:
            return false
        }
    }

    var typeKeyword: KconfigType? {
        switch self {
        case .bool: return .bool
        case .tristate: return .tristate
        case .int: return .int
        case .hex: return .hex
        case .string: return .string
        default: return nil
        }
    }

    var defaultTypeKeyword: KconfigType? {
        switch self {
        case .defBool: return .bool
        case .defTristate: return .tristate
        case .defInt: return .int
        case .defHex: return .hex
        case .defString: return .string
        default: return nil
        }
    }

    var isSource: Bool { [.source, .rsource, .osource, .orsource].contains(self) }
    var isRelativeSource: Bool { self == .rsource || self == .orsource }
    var isObligatorySource: Bool { self == .source || self == .rsource }
}

/// One token of a Kconfig line.
enum Token {
    case keyword(Keyword)
    /// A symbol, unretained: every symbol a token can name is registered in `Kconfig.syms`/`constSyms` while
    /// parsing, which keeps it alive; copying tokens then costs no reference counting.
    case symbolReference(Unmanaged<Symbol>)
    /// Plain text: a prompt, title, path or choice name.
    case text(String)
    case and, or, not, openParen, closeParen
    case relation(Relation)
    /// End of the line (kconfiglib's `None`).
    case end

    func isKeyword(_ keyword: Keyword) -> Bool {
        if case .keyword(let own) = self { return own == keyword }
        return false
    }

    var keyword: Keyword? {
        if case .keyword(let keyword) = self { return keyword }
        return nil
    }

    var isEnd: Bool {
        if case .end = self { return true }
        return false
    }

    static func symbol(_ symbol: Symbol) -> Token { .symbolReference(Unmanaged.passUnretained(symbol)) }

    var symbol: Symbol? {
        if case .symbolReference(let symbol) = self { return symbol.takeUnretainedValue() }
        return nil
    }
}

/// A fatal Kconfig error: the message kconfiglib's `KconfigError` carries.
public struct KconfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    /// `FILE:LINE` for errors whose kconfiglib text has none (undecodable bytes).
    public var location: String?
    /// The limit the input went over, for errors that `KconfigLimits` raise (kconfiglib would have crashed or hung).
    public var limit: KconfigLimit?
    public init(_ message: String, location: String? = nil, limit: KconfigLimit? = nil) {
        self.message = message
        self.location = location
        self.limit = limit
    }
    public var description: String { self.message }
}

/// Up to 16 bytes of a word and its length, as plain integers.
struct PackedWord: Equatable {
    var low: UInt64 = 0
    var high: UInt64 = 0
    var count: Int = 0

    init?<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for byte in bytes {
            guard self.count < 16 else { return nil }
            if self.count < 8 {
                self.low |= UInt64(byte) << (8 * UInt64(self.count))
            } else {
                self.high |= UInt64(byte) << (8 * UInt64(self.count - 8))
            }
            self.count += 1
        }
    }
}
