/// `Symbol.__str__()` / `Choice.__str__()`: a definition in Kconfig syntax with the propagated dependencies, as in
/// kconfiglib's dependency-loop message.
extension Kconfig {
    func definitionText(_ item: Item) -> String {
        let nodes: [MenuNode]
        switch item {
        case .symbol(let symbol): nodes = symbol.nodes
        case .choice(let choice): nodes = choice.nodes
        }
        return nodes.map { self.nodeText($0) }.joined(separator: "\n\n")
    }

    private func nodeText(_ node: MenuNode) -> String {
        var lines: [String] = []
        let origType: KconfigType
        switch node.item {
        case .symbol(let symbol):
            lines.append((node.isMenuconfig ? "menuconfig " : "config ") + symbol.name)
            origType = symbol.origType
        case .choice(let choice):
            lines.append(choice.name.map { "choice " + $0 } ?? "choice")
            origType = choice.origType
        default:
            return ""
        }
        func add(_ text: String, _ condition: Expr? = nil) {
            var line = text
            if let condition, !self.isY(condition) { line += " if " + exprString(condition) }
            lines.append("\t" + line)
        }
        if origType != .unknown && node.prompt == nil { add(origType.description) }
        if let prompt = node.prompt {
            let prefix = origType != .unknown ? origType.description : "prompt"
            add(prefix + " \"" + escapeKconfigString(prompt.text) + "\"", self.stripDependency(node, prompt.condition))
        }
        if let symbol = node.symbol {
            if symbol.isAllnoconfigY { add("option allnoconfig_y") }
            if symbol === self.defconfigList { add("option defconfig_list") }
            if let variable = symbol.envVar { add("option env=\"\(variable)\"") }
            if symbol === self.modules { add("option modules") }
            for (low, high, condition) in node.ranges {
                add("range \(exprString(.symbol(low))) \(exprString(.symbol(high)))", self.stripDependency(node, condition))
            }
        }
        for (value, condition) in node.defaults {
            add("default " + exprString(value), self.stripDependency(node, condition))
        }
        if let choice = node.choice, choice.isOptional { add("optional") }
        if node.symbol != nil {
            for (target, condition) in node.selects {
                add("select " + target.name, self.stripDependency(node, condition))
            }
            for (target, condition) in node.implies {
                add("imply " + target.name, self.stripDependency(node, condition))
            }
        }
        if !self.isY(node.dep) { add("depends on " + exprString(node.dep)) }
        if let help = node.help {
            add("help")
            for line in help.split(separator: "\n", omittingEmptySubsequences: false) { add("  " + line) }
        }
        return lines.joined(separator: "\n")
    }

    /// `MenuNode._strip_dep()`, with structural equality standing in for Python's identity.
    private func stripDependency(_ node: MenuNode, _ expr: Expr) -> Expr {
        if sameExpr(node.dep, expr) { return self.yExpr }
        if case .and(let left, let right, _) = expr, sameExpr(right, node.dep) { return left }
        return expr
    }
}

/// Structural equality of expressions, symbols compared by identity.
func sameExpr(_ a: Expr, _ b: Expr) -> Bool {
    switch (a, b) {
    case (.symbol(let x), .symbol(let y)): return x === y
    case (.choice(let x), .choice(let y)): return x === y
    case (.and(let a1, let a2, let d1), .and(let b1, let b2, let d2)), (.or(let a1, let a2, let d1), .or(let b1, let b2, let d2)):
        return d1 == d2 && sameExpr(a1, b1) && sameExpr(a2, b2)
    case (.not(let x, _), .not(let y, _)): return sameExpr(x, y)
    case (.relation(let r1, let a1, let a2), .relation(let r2, let b1, let b2)):
        return r1 == r2 && a1 === b1 && a2 === b2
    default: return false
    }
}
