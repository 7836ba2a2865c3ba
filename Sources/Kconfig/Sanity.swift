/// The checks kconfiglib runs after parsing: `_check_sym_sanity()`, `_check_choice_sanity()`, `_build_dep()` and
/// the dependency-loop search.
extension Kconfig {
    func checkSymbolSanity() throws {
        func numberOK(_ symbol: Symbol, _ type: KconfigType) -> Bool {
            if symbol.nodes.isEmpty { return PythonInt.isBase(symbol.name, type.base) }
            return symbol.origType == type
        }
        for symbol in self.uniqueDefinedSymbols {
            if symbol.origType.isBoolOrTristate {
                for (target, _) in symbol.selects where !(target.origType.isBoolOrTristate || target.origType == .unknown) {
                    self.warn("\(symbol.nameAndLocation) selects the \(target.origType) symbol \(target.nameAndLocation), which is not bool or tristate")
                }
                for (target, _) in symbol.implies where !(target.origType.isBoolOrTristate || target.origType == .unknown) {
                    self.warn("\(symbol.nameAndLocation) implies the \(target.origType) symbol \(target.nameAndLocation), which is not bool or tristate")
                }
            } else if symbol.origType != .unknown {
                for (value, _) in symbol.defaults {
                    guard let defaultSymbol = value.asSymbol else {
                        throw KconfigError(
                            "the \(symbol.origType) symbol \(symbol.nameAndLocation) has a malformed default \(exprString(value)) -- expected a single symbol")
                    }
                    if symbol.origType == .string {
                        if !defaultSymbol.isConstant && defaultSymbol.nodes.isEmpty && !pythonIsUpper(defaultSymbol.name) {
                            self.warn("style: quotes recommended around default value for string symbol \(symbol.nameAndLocation)")
                        }
                    } else if !numberOK(defaultSymbol, symbol.origType) {
                        self.warn("the \(symbol.origType) symbol \(symbol.nameAndLocation) has a non-\(symbol.origType) default \(defaultSymbol.nameAndLocation)")
                    }
                }
                if !symbol.selects.isEmpty || !symbol.implies.isEmpty {
                    self.warn("the \(symbol.origType) symbol \(symbol.nameAndLocation) has selects or implies")
                }
            } else {
                self.warn("\(symbol.nameAndLocation) defined without a type")
            }
            if !symbol.ranges.isEmpty {
                if !symbol.origType.isIntOrHex {
                    self.warn("the \(symbol.origType) symbol \(symbol.nameAndLocation) has ranges, but is not int or hex")
                } else {
                    for (low, high, _) in symbol.ranges
                    where !numberOK(low, symbol.origType) || !numberOK(high, symbol.origType) {
                        self.warn("the \(symbol.origType) symbol \(symbol.nameAndLocation) has a non-\(symbol.origType) range [\(low.nameAndLocation), \(high.nameAndLocation)]")
                    }
                }
            }
        }
    }

    func checkChoiceSanity() throws {
        func warnSelectImply(_ symbol: Symbol, _ expr: Expr, _ kind: String) {
            var message = "the choice symbol \(symbol.nameAndLocation) is \(kind) by the following symbols, but select/imply has no effect on choice symbols"
            for term in splitExpr(expr, and: false) {
                let first = splitExpr(term, and: true)[0]
                message += "\n - " + (first.asSymbol?.nameAndLocation ?? exprString(first))
            }
            self.warn(message)
        }
        for choice in self.uniqueChoices {
            if !choice.origType.isBoolOrTristate {
                self.warn("\(choice.nameAndLocation) defined with type \(choice.origType)")
            }
            if !choice.nodes.contains(where: { $0.prompt != nil }) {
                self.warn(choice.nameAndLocation + " defined without a prompt")
            }
            for (value, _) in choice.defaults {
                guard let symbol = value.asSymbol else {
                    throw KconfigError("\(choice.nameAndLocation) has a malformed default \(exprString(value))")
                }
                if symbol.choice !== choice {
                    self.warn("the default selection \(symbol.nameAndLocation) of \(choice.nameAndLocation) is not contained in the choice")
                }
            }
            for symbol in choice.symbols {
                if !symbol.defaults.isEmpty {
                    self.warn("default on the choice symbol \(symbol.nameAndLocation) will have no effect, as defaults do not affect choice symbols")
                }
                if !self.isN(symbol.revDep) { warnSelectImply(symbol, symbol.revDep, "selected") }
                if !self.isN(symbol.weakRevDep) { warnSelectImply(symbol, symbol.weakRevDep, "implied") }
                for node in symbol.nodes {
                    if let parent = node.parent, parent.choice === choice {
                        if node.prompt == nil { self.warn("the choice symbol \(symbol.nameAndLocation) has no prompt") }
                    } else if node.prompt != nil {
                        self.warn("the choice symbol \(symbol.nameAndLocation) is defined with a prompt outside the choice")
                    }
                }
            }
        }
    }

    /// `_build_dep()`: records, for every symbol and choice, which items must be recomputed when it changes.
    /// An item's expressions are walked together, so a repeat from the same item is the last one recorded.
    func buildDependents() {
        for symbol in self.uniqueDefinedSymbols {
            let item = Item.symbol(symbol)
            let id = ObjectIdentifier(symbol)
            for node in symbol.nodes { if let prompt = node.prompt { dependOn(item, id, prompt.condition) } }
            for (value, condition) in symbol.defaults {
                dependOn(item, id, value)
                dependOn(item, id, condition)
            }
            dependOn(item, id, symbol.revDep)
            dependOn(item, id, symbol.weakRevDep)
            for (low, high, condition) in symbol.ranges {
                dependOn(item, id, .symbol(low))
                dependOn(item, id, .symbol(high))
                dependOn(item, id, condition)
            }
            dependOn(item, id, symbol.directDep)
        }
        for choice in self.uniqueChoices {
            let item = Item.choice(choice)
            let id = ObjectIdentifier(choice)
            for node in choice.nodes { if let prompt = node.prompt { dependOn(item, id, prompt.condition) } }
            for (_, condition) in choice.defaults { dependOn(item, id, condition) }
        }
    }

    // MARK: Dependency loops

    /// `_check_dep_loop_sym()`: nil, or the loop found so far (closed once it reaches its first item again).
    /// `depth` is the length of the chain walked to get here; kconfiglib recurses once per item of it until Python's
    /// limit stops it, so a chain longer than `limits.maximumDependencyChain` is an error.
    func checkDependencyLoop(symbol: Symbol, ignoreChoice: Bool, depth: Int) throws -> [Item]? {
        if symbol.visited == 0 {
            try self.checkDependencyChain(depth, .symbol(symbol))
            symbol.visited = 1
            for dependent in symbol.dependents {
                let loop: [Item]?
                switch dependent {
                case .choice(let choice): loop = try self.checkDependencyLoop(choice: choice, skip: nil, depth: depth + 1)
                case .symbol(let other): loop = try self.checkDependencyLoop(symbol: other, ignoreChoice: false, depth: depth + 1)
                }
                if let loop { return foundLoop(loop, .symbol(symbol)) }
            }
            if let choice = symbol.choice, !ignoreChoice,
                let loop = try self.checkDependencyLoop(choice: choice, skip: symbol, depth: depth + 1)
            {
                return foundLoop(loop, .symbol(symbol))
            }
            symbol.visited = 2
            return nil
        }
        if symbol.visited == 2 { return nil }
        return [.symbol(symbol)]
    }

    private func checkDependencyLoop(choice: Choice, skip: Symbol?, depth: Int) throws -> [Item]? {
        if choice.visited == 0 {
            try self.checkDependencyChain(depth, .choice(choice))
            choice.visited = 1
            for symbol in choice.symbols where symbol !== skip {
                if let loop = try self.checkDependencyLoop(symbol: symbol, ignoreChoice: true, depth: depth + 1) {
                    return foundLoop(loop, .choice(choice))
                }
            }
            choice.visited = 2
            return nil
        }
        if choice.visited == 2 { return nil }
        return [.choice(choice)]
    }

    private func checkDependencyChain(_ depth: Int, _ item: @autoclosure () -> Item) throws {
        if depth > self.limits.maximumDependencyChain {
            throw KconfigError(
                "error: \(recursionErrorText): a chain of more than \(self.limits.maximumDependencyChain) symbols depend on each other, down to \(item().nameAndLocation)",
                limit: .dependencyChain)
        }
    }

    /// Extends a loop path; a path whose first item is reached again is complete (marked by a trailing repeat).
    private func foundLoop(_ loop: [Item], _ current: Item) -> [Item] {
        if loop.count > 1, loop.last?.id == loop.first?.id { return loop }
        if current.id != loop[0].id { return loop + [current] }
        return loop + [current]
    }

    /// `_found_dep_loop()`'s message for a completed loop.
    func dependencyLoopMessage(_ path: [Item]) -> String {
        let loop = Array(path.dropLast())
        var message = "\nDependency loop\n===============\n\n"
        for (index, item) in loop.enumerated() {
            if index > 0 {
                message += "...depends on "
                if case .symbol(let symbol) = item, symbol.choice != nil { message += "the choice symbol " }
            }
            message += "\(item.nameAndLocation), with definition...\n\n\(self.definitionText(item))\n\n"
            if case .symbol(let symbol) = item {
                if !self.isN(symbol.revDep) { message += "(select-related dependencies: \(exprString(symbol.revDep)))\n\n" }
                if !self.isN(symbol.weakRevDep) { message += "(imply-related dependencies: \(exprString(symbol.revDep)))\n\n" }
            }
        }
        return message + "...depends again on " + loop[0].nameAndLocation
    }
}

/// Python's `str.isupper()`.
func pythonIsUpper(_ text: String) -> Bool {
    var cased = false
    for scalar in text.unicodeScalars {
        let properties = scalar.properties
        if properties.isLowercase || properties.generalCategory == .titlecaseLetter { return false }
        if properties.isUppercase { cased = true }
    }
    return cased
}

/// `_depend_on()`: `item` depends on every non-constant symbol and every choice in `expr`.
private func dependOn(_ item: Item, _ id: ObjectIdentifier, _ expr: Expr) {
    switch expr {
    case .symbol(let symbol):
        if !symbol.isConstant, symbol.lastDependent != id {
            symbol.lastDependent = id
            symbol.dependents.append(item)
        }
    case .choice(let choice):
        if choice.lastDependent != id {
            choice.lastDependent = id
            choice.dependents.append(item)
        }
    case .and(let left, let right, _), .or(let left, let right, _):
        dependOn(item, id, left)
        dependOn(item, id, right)
    case .not(let operand, _):
        dependOn(item, id, operand)
    case .relation(_, let left, let right):
        dependOn(item, id, .symbol(left))
        dependOn(item, id, .symbol(right))
    }
}
