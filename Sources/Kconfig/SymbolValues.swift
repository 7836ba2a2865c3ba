/// An evaluated symbol's type and value, detached from the tree (a `Sendable` snapshot).
public struct SymbolValue: Sendable, Equatable {
    public var type: KconfigType
    /// `str_value`: `y`/`n` for bools, the verbatim text otherwise.
    public var text: String

    public init(type: KconfigType, text: String) {
        self.type = type
        self.text = text
    }

    /// The value of a bool or tristate symbol (m counts as y).
    public var bool: Bool? { self.type.isBoolOrTristate ? self.text != "n" : nil }

    /// The value of an int or hex symbol, parsed as the C macro would be; nil when empty (unmet dependencies).
    public var int: Int? {
        switch self.type {
        case .int: return PythonInt.parse(self.text, base: 10)
        case .hex: return PythonInt.parse(self.text, base: 16)
        default: return nil
        }
    }

    /// The value of a string symbol.
    public var string: String? { self.type == .string ? self.text : nil }
}

extension Kconfig {
    /// Every defined symbol's evaluated value, by name.
    public func symbolValues() -> [String: SymbolValue] {
        var values: [String: SymbolValue] = [:]
        for symbol in self.uniqueDefinedSymbols {
            values[symbol.name] = SymbolValue(type: symbol.origType, text: self.strValue(symbol))
        }
        return values
    }
}
