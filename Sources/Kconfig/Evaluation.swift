/// Symbol and choice values: `Symbol.str_value`/`tri_value`/`visibility`, `Choice.tri_value`/`selection`,
/// `expr_value()` and `_visibility()`, computed lazily and cached as kconfiglib does.
extension Kconfig {
    /// `expr_value()`. Evaluation recurses through expressions and the symbols they name; past
    /// `limits.maximumEvaluationDepth` levels it records `limitError` and takes the value as `n`.
    public func exprValue(_ expr: Expr) -> Tristate {
        let levels = Int(expr.depth) + 1
        guard self.enterEvaluation(levels, String(exprString(expr).prefix(80))) else { return 0 }
        defer { self.evaluationDepth -= levels }
        return self.treeValue(expr)
    }

    /// Enters `levels` levels of evaluation, or records the limit error and returns false when that is too deep.
    @inline(__always)
    func enterEvaluation(_ levels: Int, _ what: @autoclosure () -> String) -> Bool {
        self.evaluationDepth += levels
        if self.evaluationDepth <= self.limits.maximumEvaluationDepth { return true }
        self.evaluationDepth -= levels
        self.recordLimit(
            KconfigError(
                "error: \(recursionErrorText): evaluating \(what()) needs more than \(self.limits.maximumEvaluationDepth) levels of symbols and expressions",
                limit: .evaluationDepth))
        return false
    }

    /// `expr_value()` below its root, whose depth `exprValue()` has accounted for.
    private func treeValue(_ expr: Expr) -> Tristate {
        switch expr {
        case .symbol(let symbol):
            return self.triValue(symbol)
        case .choice(let choice):
            return self.triValue(choice)
        case .and(let left, let right, _):
            let value = self.treeValue(left)
            return value == 0 ? 0 : min(value, self.treeValue(right))
        case .or(let left, let right, _):
            let value = self.treeValue(left)
            return value == 2 ? 2 : max(value, self.treeValue(right))
        case .not(let operand, _):
            return 2 - self.treeValue(operand)
        case .relation(let relation, let left, let right):
            let comparison: Int
            if left.origType == .string && right.origType == .string {
                comparison = pythonCompare(self.strValue(left), self.strValue(right))
            } else if let a = self.numberValue(left), let b = self.numberValue(right) {
                comparison = a < b ? -1 : a > b ? 1 : 0
            } else {
                comparison = pythonCompare(self.strValue(left), self.strValue(right))
            }
            let result: Bool
            switch relation {
            case .equal: result = comparison == 0
            case .unequal: result = comparison != 0
            case .less: result = comparison < 0
            case .lessEqual: result = comparison <= 0
            case .greater: result = comparison > 0
            case .greaterEqual: result = comparison >= 0
            }
            return result ? 2 : 0
        }
    }

    /// `_sym_to_num()`: nil where Python raises `ValueError`. Both sides are converted before comparing, as in Python.
    private func numberValue(_ symbol: Symbol) -> Int? {
        if symbol.origType.isBoolOrTristate { return self.triValue(symbol) }
        return PythonInt.parse(self.strValue(symbol), base: symbol.origType.base)
    }

    /// `Symbol.type`: tristate acts as bool without modules or inside a y-mode choice.
    public func type(_ symbol: Symbol) -> KconfigType {
        if symbol.origType == .tristate,
            (symbol.choice.map { self.triValue($0) == 2 } ?? false) || self.triValue(self.modules) == 0
        {
            return .bool
        }
        return symbol.origType
    }

    public func type(_ choice: Choice) -> KconfigType {
        if choice.origType == .tristate && self.triValue(self.modules) == 0 { return .bool }
        return choice.origType
    }

    /// `Symbol.visibility`.
    public func visibility(_ symbol: Symbol) -> Tristate {
        if let cached = symbol.cachedVisibility { return cached }
        guard self.enterEvaluation(symbolLevels, symbol.nameAndLocation) else { return 0 }
        defer { self.evaluationDepth -= symbolLevels }
        var value = 0
        for node in symbol.nodes {
            if let prompt = node.prompt { value = max(value, self.exprValue(prompt.condition)) }
        }
        if let choice = symbol.choice {
            if choice.origType == .tristate && symbol.origType != .tristate && self.triValue(choice) != 2 {
                value = 0
            } else if symbol.origType == .tristate && value == 1 && self.triValue(choice) == 2 {
                value = 0
            }
        }
        if value == 1 && self.type(symbol) != .tristate { value = 2 }
        symbol.cachedVisibility = value
        return value
    }

    /// `Choice.visibility`.
    public func visibility(_ choice: Choice) -> Tristate {
        if let cached = choice.cachedVisibility { return cached }
        guard self.enterEvaluation(symbolLevels, choice.nameAndLocation) else { return 0 }
        defer { self.evaluationDepth -= symbolLevels }
        var value = 0
        for node in choice.nodes {
            if let prompt = node.prompt { value = max(value, self.exprValue(prompt.condition)) }
        }
        if value == 1 && self.type(choice) != .tristate { value = 2 }
        choice.cachedVisibility = value
        return value
    }

    /// `Choice.tri_value` (the mode; not cached, as in kconfiglib).
    public func triValue(_ choice: Choice) -> Tristate {
        var value = choice.isOptional ? 0 : 1
        if let user = choice.userValue { value = max(value, user) }
        value = min(value, self.visibility(choice))
        return value == 1 && self.type(choice) == .bool ? 2 : value
    }

    /// `Choice.selection`.
    public func selection(_ choice: Choice) -> Symbol? {
        if let cached = choice.cachedSelection { return cached }
        guard self.enterEvaluation(symbolLevels, choice.nameAndLocation) else { return nil }
        defer { self.evaluationDepth -= symbolLevels }
        let selection: Symbol?
        if self.triValue(choice) != 2 {
            selection = nil
        } else if let user = choice.userSelection, self.visibility(user) != 0 {
            selection = user
        } else {
            selection = self.selectionFromDefaults(choice)
        }
        choice.cachedSelection = .some(selection)
        return selection
    }

    private func selectionFromDefaults(_ choice: Choice) -> Symbol? {
        for (value, condition) in choice.defaults {
            if let symbol = value.asSymbol, self.exprValue(condition) != 0, self.visibility(symbol) != 0 {
                return symbol
            }
        }
        return choice.symbols.first { self.visibility($0) != 0 }
    }

    /// `Symbol.tri_value`.
    public func triValue(_ symbol: Symbol) -> Tristate {
        if let cached = symbol.cachedTriValue { return cached }
        guard self.enterEvaluation(symbolLevels, symbol.nameAndLocation) else { return 0 }
        defer { self.evaluationDepth -= symbolLevels }
        guard symbol.origType.isBoolOrTristate else {
            if symbol.origType != .unknown {
                self.warn("The \(symbol.origType) symbol \(symbol.nameAndLocation) is being evaluated in a logical context somewhere. It will always evaluate to n.")
            }
            symbol.cachedTriValue = 0
            return 0
        }
        let visibility = self.visibility(symbol)
        symbol.writeToConfig = visibility != 0
        var value = 0
        if let choice = symbol.choice {
            if visibility == 2 {
                value = self.selection(choice) === symbol ? 2 : 0
            } else if visibility != 0, case .tristate(let user) = symbol.userValue, user != 0 {
                value = 1
            }
        } else {
            if visibility != 0, case .tristate(let user) = symbol.userValue {
                value = min(user, visibility)
            } else {
                for (defaultValue, condition) in symbol.defaults {
                    let conditionValue = self.exprValue(condition)
                    if conditionValue != 0 {
                        value = min(self.exprValue(defaultValue), conditionValue)
                        if value != 0 { symbol.writeToConfig = true }
                        break
                    }
                }
                let weak = self.exprValue(symbol.weakRevDep)
                if weak != 0 && self.exprValue(symbol.directDep) != 0 {
                    value = max(weak, value)
                    symbol.writeToConfig = true
                }
            }
            let selected = self.exprValue(symbol.revDep)
            if selected != 0 {
                if self.exprValue(symbol.directDep) < selected { self.warnSelectUnsatisfiedDependencies(symbol) }
                value = max(selected, value)
                symbol.writeToConfig = true
            }
            if value == 1 && (self.type(symbol) == .bool || self.exprValue(symbol.weakRevDep) == 2) { value = 2 }
        }
        symbol.cachedTriValue = value
        return value
    }

    /// `Symbol.str_value`.
    public func strValue(_ symbol: Symbol) -> String {
        if let cached = symbol.cachedStringValue { return cached }
        guard self.enterEvaluation(symbolLevels, symbol.nameAndLocation) else { return "" }
        defer { self.evaluationDepth -= symbolLevels }
        if symbol.origType.isBoolOrTristate {
            let value = triToString[self.triValue(symbol)]
            symbol.cachedStringValue = value
            return value
        }
        if symbol.origType == .unknown {
            symbol.cachedStringValue = symbol.name
            return symbol.name
        }
        var value = ""
        let visibility = self.visibility(symbol)
        symbol.writeToConfig = visibility != 0
        if symbol.origType.isIntOrHex {
            value = self.numericValue(symbol, visibility: visibility)
        } else {
            if visibility != 0, case .text(let user) = symbol.userValue {
                value = user
            } else {
                for (defaultValue, condition) in symbol.defaults where self.exprValue(condition) != 0 {
                    value = defaultValue.asSymbol.map { self.strValue($0) } ?? ""
                    symbol.writeToConfig = true
                    break
                }
            }
        }
        if symbol.envVar != nil || symbol === self.defconfigList { symbol.writeToConfig = false }
        symbol.cachedStringValue = value
        return value
    }

    private func numericValue(_ symbol: Symbol, visibility: Tristate) -> String {
        let base = symbol.origType.base
        var range: (low: Int, high: Int)?
        for (low, high, condition) in symbol.ranges where self.exprValue(condition) != 0 {
            range = (PythonInt.parse(self.strValue(low), base: base) ?? 0, PythonInt.parse(self.strValue(high), base: base) ?? 0)
            break
        }
        let format: (Int) -> String
        if base == 10 { format = decimalString } else { format = pythonHex }
        var value = ""
        var useDefaults = true
        if visibility != 0, case .text(let user) = symbol.userValue, !user.isEmpty {
            let number = PythonInt.parse(user, base: base) ?? 0
            if let range, !(range.low <= number && number <= range.high) {
                self.warn("user value \(format(number)) on the \(symbol.origType) symbol \(symbol.nameAndLocation) ignored due to being outside the active range ([\(format(range.low)), \(format(range.high))]) -- falling back on defaults", origin: symbol.userLocation)
            } else {
                value = user
                useDefaults = false
            }
        }
        if useDefaults {
            var hasDefault = false
            var number = 0
            for (defaultValue, condition) in symbol.defaults where self.exprValue(condition) != 0 {
                hasDefault = true
                symbol.writeToConfig = true
                value = defaultValue.asSymbol.map { self.strValue($0) } ?? ""
                number = PythonInt.parse(value, base: base) ?? 0
                break
            }
            if let range {
                var clamp: Int?
                if number < range.low {
                    clamp = range.low
                } else if number > range.high {
                    clamp = range.high
                }
                if let clamp {
                    value = symbol.origType == .int ? String(clamp) : pythonHex(clamp)
                    if hasDefault {
                        self.warn("default value \(number) on \(symbol.nameAndLocation) clamped to \(format(clamp)) due to being outside the active range ([\(format(range.low)), \(format(range.high))])")
                    }
                }
            }
        }
        return value
    }

    /// `_warn_select_unsatisfied_deps()`.
    private func warnSelectUnsatisfiedDependencies(_ symbol: Symbol) {
        let directValue = self.exprValue(symbol.directDep)
        var message = "\(symbol.nameAndLocation) has direct dependencies \(exprString(symbol.directDep)) with value \(triToString[directValue]), but is currently being \(triToString[self.exprValue(symbol.revDep)])-selected by the following symbols:"
        for select in splitExpr(symbol.revDep, and: false) {
            if self.exprValue(select) <= self.exprValue(symbol.directDep) { continue }
            guard let selecting = splitExpr(select, and: true)[0].asSymbol else { continue }
            message += "\n - \(selecting.nameAndLocation), with value \(self.strValue(selecting)), direct dependencies \(exprString(selecting.directDep)) (value: \(triToString[self.exprValue(selecting.directDep)]))"
            if case .and(_, let condition, _) = select {
                message += ", and select condition \(exprString(condition)) (value: \(triToString[self.exprValue(condition)]))"
            }
        }
        self.warn(message)
    }

    /// `Symbol.config_string`: the symbol's `.config` line, or "" when it is not written.
    public func configString(_ symbol: Symbol) -> String {
        let value = self.strValue(symbol)
        guard symbol.writeToConfig else { return "" }
        if symbol.origType.isBoolOrTristate {
            return value != "n" ? "\(self.configPrefix)\(symbol.name)=\(value)\n" : "# \(self.configPrefix)\(symbol.name) is not set\n"
        }
        if symbol.origType.isIntOrHex { return "\(self.configPrefix)\(symbol.name)=\(value)\n" }
        return "\(self.configPrefix)\(symbol.name)=\"\(escapeKconfigString(value))\"\n"
    }

    /// Whether the symbol has a line in `.config`.
    public func isWritten(_ symbol: Symbol) -> Bool { !self.configString(symbol).isEmpty }
}

/// What one symbol's or choice's value costs against `KconfigLimits.maximumEvaluationDepth`, in expression levels:
/// the frames of `triValue`/`strValue`/`visibility` and what they call are about ten times an expression level's.
let symbolLevels = 10

/// Python's `(a > b) - (a < b)` on strings: code-point order.
func pythonCompare(_ a: String, _ b: String) -> Int {
    if a.utf8.elementsEqual(b.utf8) { return 0 }
    return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
}

/// Python's `hex()`.
func pythonHex(_ value: Int) -> String {
    value < 0 ? "-0x" + String(-value, radix: 16) : "0x" + String(value, radix: 16)
}

private func decimalString(_ value: Int) -> String { String(value) }
