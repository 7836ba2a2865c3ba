import JSON

/// `nrfsim config --format json`: every defined symbol's type, value and origin, the choices, and the diagnostics.
extension ZephyrKconfigOutcome {
    public func jsonReport(board: String?, fragments: [String], boardEnvironment: [String: String]) -> String {
        var fields: [String] = []
        fields.append("\"board\": " + (board.map(jsonString) ?? "null"))
        fields.append("\"fragments\": [" + fragments.map(jsonString).joined(separator: ", ") + "]")
        fields.append("\"board_environment\": {" + (boardEnvironment.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \(jsonString($0.value))" }.joined(separator: ", ")) + "}")
        fields.append("\"error\": " + (self.error.map(jsonString) ?? "null"))
        fields.append("\"fatal\": \(self.isFatal)")
        fields.append("\"warnings\": {\"parse\": \(jsonArray(self.parseWarnings)), \"load\": \(jsonArray(self.loadWarnings)), \"eval\": \(jsonArray(self.evaluationWarnings.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }))}")
        fields.append("\"zephyr_checks\": [" + self.checks.map { check in
            "{\"kind\": \(jsonString(check.kind.rawValue)), \"sym\": \(jsonString(check.symbol)), \"fatal\": \(check.fatal), \"message\": \(jsonString(check.message))}"
        }.joined(separator: ", ") + "]")
        if let kconfig = self.kconfig, self.error == nil {
            let symbols = kconfig.uniqueDefinedSymbols.map { symbol -> String in
                let user = symbol.userValue.map { jsonString($0.text) } ?? "null"
                return "{\"name\": \(jsonString(symbol.name)), \"type\": \(jsonString(symbol.origType.description)), "
                    + "\"value\": \(jsonString(kconfig.strValue(symbol))), \"user_value\": \(user), "
                    + "\"visibility\": \(jsonString(triToString[kconfig.visibility(symbol)])), "
                    + "\"choice\": \(symbol.choice.map { $0.name.map(jsonString) ?? "null" } ?? "null"), "
                    + "\"written\": \(kconfig.isWritten(symbol)), \"origin\": \(jsonString(kconfig.origin(of: symbol)))}"
            }
            fields.append("\"symbols\": [\n  " + symbols.joined(separator: ",\n  ") + "\n]")
            let choices = kconfig.uniqueChoices.map { choice in
                "{\"name\": \(choice.name.map(jsonString) ?? "null"), \"mode\": \(jsonString(triToString[kconfig.triValue(choice)])), \"selection\": \(kconfig.selection(choice).map { jsonString($0.name) } ?? "null")}"
            }
            fields.append("\"choices\": [" + choices.joined(separator: ", ") + "]")
            fields.append("\"dotconfig\": " + jsonString(self.configText))
            fields.append("\"autoconf\": " + jsonString(self.autoconfText))
        }
        return "{\n" + fields.joined(separator: ",\n") + "\n}\n"
    }
}

extension Kconfig {
    /// Where a symbol's value comes from: `FILE:LINE` of the assignment that took effect, `selected`, `implied`,
    /// `default`, or `none`.
    public func origin(of symbol: Symbol) -> String {
        let value = self.strValue(symbol)
        if let user = symbol.userValue, self.visibility(symbol) != 0, user.text == value || (symbol.choice != nil && value == "y"),
            let location = symbol.userLocation
        {
            return "\(location.file):\(location.line)"
        }
        if symbol.origType.isBoolOrTristate && value != "n" {
            if self.exprValue(symbol.revDep) != 0 { return "selected" }
            if self.exprValue(symbol.weakRevDep) != 0 { return "implied" }
        }
        if let choice = symbol.choice { return self.selection(choice) === symbol ? "choice" : "none" }
        if symbol.defaults.contains(where: { self.exprValue($0.1) != 0 }) { return "default" }
        return "none"
    }
}

func jsonArray(_ items: [String]) -> String { "[" + items.map(jsonString).joined(separator: ", ") + "]" }

/// A JSON string literal, escaped as every JSON text the project prints is (the JSON module's escaping).
func jsonString(_ text: String) -> String { JSONValue.string(text).text }
