/// The relations of `A op B` expressions.
public enum Relation: Sendable {
    case equal, unequal, less, lessEqual, greater, greaterEqual

    var text: String {
        switch self {
        case .equal: return "="
        case .unequal: return "!="
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        }
    }
}

/// A Kconfig expression, shaped exactly as kconfiglib's tuples so printing and evaluation match it.
/// Only the recursive cases are boxed, so a bare symbol (the most common expression) costs no allocation.
public enum Expr {
    case symbol(Symbol)
    case choice(Choice)
    indirect case and(Expr, Expr)
    indirect case or(Expr, Expr)
    indirect case not(Expr)
    case relation(Relation, Symbol, Symbol)

    /// Whether this is exactly the given symbol (identity, like Python's `is`).
    func isSymbol(_ symbol: Symbol) -> Bool {
        if case .symbol(let own) = self { return own === symbol }
        return false
    }

    var asSymbol: Symbol? {
        if case .symbol(let symbol) = self { return symbol }
        return nil
    }

    /// Whether kconfiglib would represent this as a tuple (anything but a bare symbol or choice).
    var isTuple: Bool {
        switch self {
        case .symbol, .choice: return false
        default: return true
        }
    }
}

/// `expr_str()`: the expression as kconfiglib prints it in warnings.
public func exprString(_ expr: Expr) -> String {
    switch expr {
    case .symbol(let symbol):
        if symbol.isConstant, !["n", "m", "y"].contains(symbol.name) {
            return "\"" + escapeKconfigString(symbol.name) + "\""
        }
        return symbol.name
    case .choice(let choice):
        return choice.name.map { "<choice \($0)>" } ?? "<choice>"
    case .and(let left, let right):
        return parenthesize(left, ifOr: true) + " && " + parenthesize(right, ifOr: true)
    case .or(let left, let right):
        return parenthesize(left, ifOr: false) + " || " + parenthesize(right, ifOr: false)
    case .not(let operand):
        return operand.isTuple ? "!(" + exprString(operand) + ")" : "!" + exprString(operand)
    case .relation(let relation, let left, let right):
        return exprString(.symbol(left)) + " " + relation.text + " " + exprString(.symbol(right))
    }
}

private func parenthesize(_ expr: Expr, ifOr: Bool) -> String {
    switch expr {
    case .or where ifOr, .and where !ifOr: return "(" + exprString(expr) + ")"
    default: return exprString(expr)
    }
}

/// `split_expr()`: the top-level operands of an AND (`and: true`) or OR chain, left to right.
public func splitExpr(_ expr: Expr, and: Bool) -> [Expr] {
    switch expr {
    case .and(let left, let right) where and: return splitExpr(left, and: and) + splitExpr(right, and: and)
    case .or(let left, let right) where !and: return splitExpr(left, and: and) + splitExpr(right, and: and)
    default: return [expr]
    }
}

/// `escape()`: `\` → `\\`, `"` → `\"`.
public func escapeKconfigString(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 4)
    for scalar in text.unicodeScalars {
        if scalar == "\\" || scalar == "\"" { out.unicodeScalars.append("\\") }
        out.unicodeScalars.append(scalar)
    }
    return out
}

/// `unescape()`: `re.sub(r"\\(.)", r"\1")` — a backslash followed by any character but a newline becomes that
/// character.
public func unescapeKconfigString(_ text: String) -> String {
    guard text.utf8.contains(UInt8(ascii: "\\")) else { return text }
    var out = String.UnicodeScalarView()
    var scalars = Array(text.unicodeScalars)[...]
    while let scalar = scalars.popFirst() {
        if scalar == "\\", let escaped = scalars.first, escaped != "\n" {
            scalars.removeFirst()
            out.append(escaped)
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}
