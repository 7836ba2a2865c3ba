/// The checks Zephyr's `scripts/kconfig/kconfig.py` adds after loading the fragments.
public struct ZephyrCheck: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A fragment assigns a symbol that has no prompt: an error.
        case promptlessAssign = "promptless_assign"
        /// A symbol did not get the value a fragment assigned: a warning.
        case valueNotTaken = "value_not_taken"
        /// A choice symbol set to y is not the choice's selection: a warning.
        case choiceNotTaken = "choice_not_taken"
    }

    public var kind: Kind
    public var symbol: String
    public var fatal: Bool
    /// kconfig.py's text, starting `error: ` or `warning: `.
    public var message: String
}

extension Kconfig {
    /// `check_no_promptless_assign()`, `check_assigned_sym_values()` and `check_assigned_choice_values()`.
    public func zephyrChecks() -> [ZephyrCheck] {
        var checks: [ZephyrCheck] = []
        for symbol in self.uniqueDefinedSymbols {
            guard let user = symbol.userValue else { continue }
            if !symbol.hasPrompt {
                let text = "\(symbol.nameAndLocation) is assigned in a configuration file, but is not directly user-configurable (has no prompt). It gets its value indirectly from other symbols. " + symbolHint(symbol.name)
                checks.append(ZephyrCheck(kind: .promptlessAssign, symbol: symbol.name, fatal: true, message: located(symbol, "error: " + textFill(text))))
            } else if symbol.choice == nil, user.text != self.strValue(symbol) {
                var text = "\(symbol.nameAndLocation) was assigned the value '\(user.text)' but got the value '\(self.strValue(symbol))'. "
                let missing = self.missingDependencies(symbol)
                if !missing.isEmpty {
                    text += "Check these unsatisfied dependencies: "
                        + missing.map { "\($0.isTuple ? "(" + exprString($0) + ")" : exprString($0)) (=\(triToString[self.exprValue($0)]))" }
                        .joined(separator: ", ") + ". "
                }
                checks.append(ZephyrCheck(kind: .valueNotTaken, symbol: symbol.name, fatal: false, message: located(symbol, "warning: " + textFill(text + symbolHint(symbol.name)))))
            }
        }
        for choice in self.uniqueChoices {
            guard let user = choice.userSelection, user !== self.selection(choice) else { continue }
            let chosen = self.selection(choice).map { $0.nameAndLocation } ?? "no symbol"
            let text = "The choice symbol \(user.nameAndLocation) was selected (set =y), but \(chosen) ended up as the choice selection. " + symbolHint(user.name)
            checks.append(ZephyrCheck(kind: .choiceNotTaken, symbol: user.name, fatal: false, message: located(user, "warning: " + textFill(text))))
        }
        return checks
    }

    /// kconfig.py's `missing_deps()`: the terms of the direct dependencies below the assigned value.
    private func missingDependencies(_ symbol: Symbol) -> [Expr] {
        let terms = splitExpr(symbol.directDep, and: true)
        if symbol.origType.isBoolOrTristate, case .tristate(let user) = symbol.userValue {
            return terms.filter { self.exprValue($0) < user }
        }
        return terms.filter { self.exprValue($0) == 0 }
    }
}

/// kconfig.py's text, prefixed with the fragment line that made the assignment.
private func located(_ symbol: Symbol, _ text: String) -> String {
    guard let location = symbol.userLocation else { return text }
    return "\(location.file):\(location.line): " + text
}

private func symbolHint(_ name: String) -> String {
    "See http://docs.zephyrproject.org/latest/kconfig.html#CONFIG_\(name) and/or look up \(name) in the menuconfig/guiconfig interface. The Application Development Primer, Setting Configuration Values, and Kconfig - Tips and Best Practices sections of the manual might be helpful too."
}

/// Python's `textwrap.fill(text, 100)` for single-paragraph text.
func textFill(_ text: String, width: Int = 100) -> String {
    var lines: [String] = []
    var current = ""
    for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
        if current.isEmpty {
            current = String(word)
        } else if current.count + 1 + word.count <= width {
            current += " " + word
        } else {
            lines.append(current)
            current = String(word)
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines.joined(separator: "\n")
}
