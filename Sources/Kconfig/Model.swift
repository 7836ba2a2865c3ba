/// Symbol and choice types, as kconfiglib names them (`TYPE_TO_STR`).
public enum KconfigType: Int, Sendable, CustomStringConvertible {
    case unknown, bool, tristate, string, int, hex

    public var description: String {
        switch self {
        case .unknown: return "unknown"
        case .bool: return "bool"
        case .tristate: return "tristate"
        case .string: return "string"
        case .int: return "int"
        case .hex: return "hex"
        }
    }

    public var isBoolOrTristate: Bool { self == .bool || self == .tristate }
    public var isIntOrHex: Bool { self == .int || self == .hex }
    /// The base Python's `int()` uses for values of this type (`_TYPE_TO_BASE`).
    var base: Int {
        switch self {
        case .int: return 10
        case .hex: return 16
        default: return 0
        }
    }
}

/// Tristate values: n = 0, m = 1, y = 2.
public typealias Tristate = Int

/// `TRI_TO_STR`.
public let triToString = ["n", "m", "y"]

/// A user value: a tristate for bool/tristate symbols, text for the others.
public enum UserValue: Equatable, Sendable {
    case tristate(Tristate)
    case text(String)

    public var text: String {
        switch self {
        case .tristate(let value): return triToString[value]
        case .text(let value): return value
        }
    }
}

/// A Kconfig symbol (`config`/`menuconfig`), or a constant or undefined one met in an expression.
public final class Symbol {
    public let name: String
    public let isConstant: Bool
    public internal(set) var nodes: [MenuNode] = []
    /// `orig_type`: the type as written.
    public internal(set) var origType: KconfigType = .unknown
    public internal(set) weak var choice: Choice?

    var defaults: [(Expr, Expr)] = []
    var ranges: [(Symbol, Symbol, Expr)] = []
    var selects: [(Symbol, Expr)] = []
    var implies: [(Symbol, Expr)] = []
    var directDep: Expr!
    var revDep: Expr!
    var weakRevDep: Expr!
    var dependents: [Item] = []
    var lastDependent: ObjectIdentifier?

    /// The value from a fragment: a tristate for bools, the text otherwise.
    public internal(set) var userValue: UserValue?
    var wasSet = false
    /// Where the user value was assigned (fragment, line).
    public internal(set) var userLocation: (file: String, line: Int)?
    var envVar: String?
    var isAllnoconfigY = false

    // Evaluation caches, as kconfiglib's.
    var cachedStringValue: String?
    var cachedTriValue: Tristate?
    var cachedVisibility: Tristate?
    var writeToConfig = false
    var visited = 0

    /// A new symbol whose dependencies are `n` (set by the caller for the n/m/y constants themselves).
    init(name: String, isConstant: Bool, n: Symbol?) {
        self.name = name
        self.isConstant = isConstant
        if let n {
            self.directDep = .symbol(n)
            self.revDep = .symbol(n)
            self.weakRevDep = .symbol(n)
        }
    }

    /// `name_and_loc`: `NAME (defined at F:L, …)`, or `NAME (undefined)`.
    public var nameAndLocation: String { self.name + " " + locations(self.nodes) }

    /// Whether any definition has a prompt.
    public var hasPrompt: Bool { self.nodes.contains { $0.prompt != nil } }

    func invalidate() {
        self.cachedStringValue = nil
        self.cachedTriValue = nil
        self.cachedVisibility = nil
    }
}

/// A `choice` … `endchoice` block (possibly named and defined in several places).
public final class Choice {
    public let name: String?
    public internal(set) var nodes: [MenuNode] = []
    public internal(set) var origType: KconfigType = .unknown
    public internal(set) var symbols: [Symbol] = []
    var defaults: [(Expr, Expr)] = []
    var directDep: Expr
    var isOptional = false
    public internal(set) var userValue: Tristate?
    public internal(set) var userSelection: Symbol?
    var wasSet = false
    var dependents: [Item] = []
    var lastDependent: ObjectIdentifier?
    var cachedVisibility: Tristate?
    var cachedSelection: Symbol??
    var visited = 0

    init(name: String?, n: Expr) {
        self.name = name
        self.directDep = n
    }

    /// `<choice NAME> (defined at …)`.
    public var nameAndLocation: String { exprString(.choice(self)) + " " + locations(self.nodes) }

    func invalidate() {
        self.cachedVisibility = nil
        self.cachedSelection = nil
    }
}

/// A symbol or a choice: what has dependents and what a loop is made of.
public enum Item {
    case symbol(Symbol)
    case choice(Choice)

    var id: ObjectIdentifier {
        switch self {
        case .symbol(let symbol): return ObjectIdentifier(symbol)
        case .choice(let choice): return ObjectIdentifier(choice)
        }
    }

    var nameAndLocation: String {
        switch self {
        case .symbol(let symbol): return symbol.nameAndLocation
        case .choice(let choice): return choice.nameAndLocation
        }
    }
}

/// What a menu node shows.
public enum NodeItem {
    case symbol(Symbol)
    case choice(Choice)
    case menu
    case comment
    /// An `if` block, removed after finalization.
    case ifBlock
}

/// One entry of the menu tree: a definition location of a symbol or choice, or a menu, comment or `if`.
public final class MenuNode {
    public internal(set) var item: NodeItem
    public internal(set) var prompt: (text: String, condition: Expr)?
    public internal(set) var help: String?
    var dep: Expr
    var visibility: Expr
    var defaults: [(Expr, Expr)] = []
    var ranges: [(Symbol, Symbol, Expr)] = []
    var selects: [(Symbol, Expr)] = []
    var implies: [(Symbol, Expr)] = []
    public internal(set) weak var parent: MenuNode?
    public internal(set) var list: MenuNode?
    public internal(set) var next: MenuNode?
    public let filename: String
    public let line: Int
    var isMenuconfig = false

    init(item: NodeItem, filename: String, line: Int, y: Expr) {
        self.item = item
        self.filename = filename
        self.line = line
        self.dep = y
        self.visibility = y
    }

    public var symbol: Symbol? {
        if case .symbol(let symbol) = self.item { return symbol }
        return nil
    }

    public var choice: Choice? {
        if case .choice(let choice) = self.item { return choice }
        return nil
    }

    var isSymbolOrChoice: Bool {
        switch self.item {
        case .symbol, .choice: return true
        default: return false
        }
    }

    var isIf: Bool {
        if case .ifBlock = self.item { return true }
        return false
    }

    var isMenu: Bool {
        if case .menu = self.item { return true }
        return false
    }

    /// `name_and_loc` of the node's symbol or choice (used in parse warnings).
    var itemNameAndLocation: String {
        switch self.item {
        case .symbol(let symbol): return symbol.nameAndLocation
        case .choice(let choice): return choice.nameAndLocation
        default: return "<menu or comment> (defined at \(self.filename):\(self.line))"
        }
    }
}

/// `_locs()`.
func locations(_ nodes: [MenuNode]) -> String {
    nodes.isEmpty ? "(undefined)" : "(defined at " + nodes.map { "\($0.filename):\($0.line)" }.joined(separator: ", ") + ")"
}
