/// Tree finalization: `_finalize_node()`, `_propagate_deps()`, `_add_props_to_sym()`, implicit submenus,
/// `_flatten()`, `_remove_ifs()` and `_finalize_choice()`.
extension Kconfig {
    /// `_finalize_node()`, `depth` levels down the menu tree; kconfiglib recurses once per level (blocks and
    /// implicit submenus alike) until Python's limit stops it.
    func finalizeNode(_ node: MenuNode, visibleIf: Expr, depth: Int) throws {
        if depth > self.limits.maximumNesting {  // top-level entries are at depth 0
            throw KconfigError(
                "\(node.filename):\(node.line): error: \(recursionErrorText): the menu tree nests deeper than \(self.limits.maximumNesting) levels (blocks, or implicit submenus: symbols that each depend on the one before)",
                limit: .nesting)
        }
        self.finalizingNode = node
        defer { self.finalizingNode = nil }
        var visibleIf = visibleIf
        if let symbol = node.symbol {
            self.addPropertiesToSymbol(node, symbol)
            var current = node
            while let next = current.next, autoMenuDependency(parent: node, child: next) {
                try self.finalizeNode(next, visibleIf: visibleIf, depth: depth + 1)
                self.finalizingNode = node
                current = next
                current.parent = node
            }
            if current !== node {
                node.list = node.next
                node.next = current.next
                current.next = nil
            }
        } else if node.list != nil {
            if node.isMenu { visibleIf = self.makeAnd(visibleIf, node.visibility) }
            self.propagateDependencies(node, visibleIf: visibleIf)
            var current = node.list
            while let child = current {
                try self.finalizeNode(child, visibleIf: visibleIf, depth: depth + 1)
                self.finalizingNode = node
                current = child.next
            }
        }
        if let list = node.list {
            flatten(list)
            removeIfs(node)
        }
        if let choice = node.choice {
            choice.directDep = self.makeOr(choice.directDep, node.dep)
            choice.defaults += node.defaults
            finalizeChoice(node, choice)
        }
    }

    private func propagateDependencies(_ node: MenuNode, visibleIf: Expr) {
        let baseDep: Expr = node.choice.map { .choice($0) } ?? node.dep
        var current = node.list
        while let child = current {
            self.finalizingNode = child
            child.dep = self.makeAnd(child.dep, baseDep)
            let dep = child.dep
            if child.isSymbolOrChoice {
                if let prompt = child.prompt {
                    child.prompt = (prompt.text, self.makeAnd(prompt.condition, self.makeAnd(visibleIf, dep)))
                }
                if !child.defaults.isEmpty {
                    child.defaults = child.defaults.map { ($0.0, self.makeAnd($0.1, dep)) }
                }
                if !child.ranges.isEmpty {
                    child.ranges = child.ranges.map { ($0.0, $0.1, self.makeAnd($0.2, dep)) }
                }
                if !child.selects.isEmpty {
                    child.selects = child.selects.map { ($0.0, self.makeAnd($0.1, dep)) }
                }
                if !child.implies.isEmpty {
                    child.implies = child.implies.map { ($0.0, self.makeAnd($0.1, dep)) }
                }
            } else if let prompt = child.prompt {
                child.prompt = (prompt.text, self.makeAnd(prompt.condition, dep))
            }
            current = child.next
        }
    }

    private func addPropertiesToSymbol(_ node: MenuNode, _ symbol: Symbol) {
        symbol.directDep = self.makeOr(symbol.directDep, node.dep)
        symbol.defaults += node.defaults
        symbol.ranges += node.ranges
        symbol.selects += node.selects
        symbol.implies += node.implies
        for (target, condition) in node.selects {
            target.revDep = self.makeOr(target.revDep, self.makeAnd(.symbol(symbol), condition))
        }
        for (target, condition) in node.implies {
            target.weakRevDep = self.makeOr(target.weakRevDep, self.makeAnd(.symbol(symbol), condition))
        }
    }
}

/// `_auto_menu_dep()`: whether `child` depends on `parent`'s symbol in a way that makes it an implicit submenu.
private func autoMenuDependency(parent: MenuNode, child: MenuNode) -> Bool {
    guard let symbol = parent.symbol else { return false }
    return exprDependsOn(child.prompt?.condition ?? child.dep, symbol)
}

/// `_expr_depends_on()`.
private func exprDependsOn(_ expr: Expr, _ symbol: Symbol) -> Bool {
    switch expr {
    case .symbol(let own): return own === symbol
    case .choice: return false
    case .relation(let relation, var left, var right):
        guard relation == .equal || relation == .unequal else { return false }
        if right === symbol {
            swap(&left, &right)
        } else if left !== symbol {
            return false
        }
        // Python's precedence makes `A != y` count too: (EQUAL and m) or y or (UNEQUAL and n).
        let isConstant = { (name: String) in right.isConstant && right.name == name }
        return (relation == .equal && isConstant("m")) || isConstant("y") || (relation == .unequal && isConstant("n"))
    case .and(let left, let right, _):
        return exprDependsOn(left, symbol) || exprDependsOn(right, symbol)
    case .or, .not:
        return false
    }
}

/// `_flatten()`: promptless nodes with children (if blocks, implicit menus of promptless symbols) give their children
/// to their parent.
private func flatten(_ start: MenuNode) {
    var current: MenuNode? = start
    while let node = current {
        if let list = node.list, node.prompt == nil, node.choice == nil {
            var last = list
            while true {
                last.parent = node.parent
                guard let next = last.next else { break }
                last = next
            }
            last.next = node.next
            node.next = list
            node.list = nil
        }
        current = node.next
    }
}

/// `_remove_ifs()`.
private func removeIfs(_ node: MenuNode) {
    var current = node.list
    while let candidate = current, candidate.isIf { current = candidate.next }
    node.list = current
    while let item = current {
        var next = item.next
        while let candidate = next, candidate.isIf { next = candidate.next }
        item.next = next
        current = next
    }
}

/// `_finalize_choice()`.
private func finalizeChoice(_ node: MenuNode, _ choice: Choice) {
    var current = node.list
    while let child = current {
        if let symbol = child.symbol {
            symbol.choice = choice
            choice.symbols.append(symbol)
        }
        current = child.next
    }
    if choice.origType == .unknown {
        if let typed = choice.symbols.first(where: { $0.origType != .unknown }) { choice.origType = typed.origType }
    }
    for symbol in choice.symbols where symbol.origType == .unknown {
        symbol.origType = choice.origType
    }
}
