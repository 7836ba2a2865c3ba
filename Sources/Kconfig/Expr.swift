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
/// Each operator carries its depth (a symbol, choice or relation is 0), so that the tree's builders can keep every
/// expression within `KconfigLimits.maximumExpressionDepth`: every walk over an expression (evaluation, printing,
/// the dependency scan, and its release) recurses that deep. Build operators with `and(_:_:)`, `or(_:_:)` and
/// `not(_:)`, which compute it.
public enum Expr {
    case symbol(Symbol)
    case choice(Choice)
    indirect case and(Expr, Expr, depth: Int32)
    indirect case or(Expr, Expr, depth: Int32)
    indirect case not(Expr, depth: Int32)
    case relation(Relation, Symbol, Symbol)

    static func and(_ left: Expr, _ right: Expr) -> Expr { .and(left, right, depth: 1 + max(left.depth, right.depth)) }
    static func or(_ left: Expr, _ right: Expr) -> Expr { .or(left, right, depth: 1 + max(left.depth, right.depth)) }
    static func not(_ operand: Expr) -> Expr { .not(operand, depth: 1 + operand.depth) }

    /// Operators from the root to the deepest leaf.
    var depth: Int32 {
        switch self {
        case .and(_, _, let depth), .or(_, _, let depth), .not(_, let depth): return depth
        case .symbol, .choice, .relation: return 0
        }
    }

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
    case .and(let left, let right, _):
        return parenthesize(left, ifOr: true) + " && " + parenthesize(right, ifOr: true)
    case .or(let left, let right, _):
        return parenthesize(left, ifOr: false) + " || " + parenthesize(right, ifOr: false)
    case .not(let operand, _):
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
    var operands: [Expr] = []
    appendOperands(expr, and: and, to: &operands)
    return operands
}

private func appendOperands(_ expr: Expr, and: Bool, to operands: inout [Expr]) {
    switch expr {
    case .and(let left, let right, _) where and, .or(let left, let right, _) where !and:
        appendOperands(left, and: and, to: &operands)
        appendOperands(right, and: and, to: &operands)
    default:
        operands.append(expr)
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
