import JSON

/// A subset of the IoT Hub query language ("IoT Hub query language for device and module twins, jobs, and message
/// routing", learn.microsoft.com/azure/iot-hub/iot-hub-devguide-query-language): `SELECT * FROM devices [WHERE pred]`
/// and `SELECT COUNT() AS n FROM devices [WHERE pred]`, with `= != < > <= >=`, `AND`, `OR`, `NOT`, parentheses and
/// `IS_DEFINED(path)` over dotted paths of the twin document (`deviceId`, `status`, `tags.x`, `properties.reported.y`,
/// …).
public struct TwinQuery: Sendable {
    indirect enum Predicate: Sendable {
        case all
        case compare(path: [String], op: String, value: JSONValue)
        case defined([String])
        case and(Predicate, Predicate)
        case or(Predicate, Predicate)
        case not(Predicate)
    }

    var predicate: Predicate
    public var countAlias: String?

    public static func parse(_ text: String) throws -> TwinQuery {
        var lexer = QueryLexer(text)
        let tokens = try lexer.tokens()
        var parser = QueryParser(tokens: tokens, text: text)
        return try parser.query()
    }

    public func matches(_ twin: JSONValue) -> Bool { Self.evaluate(self.predicate, twin) }

    static func evaluate(_ predicate: Predicate, _ twin: JSONValue) -> Bool {
        switch predicate {
        case .all: return true
        case .defined(let path): return lookup(twin, path) != nil
        case .and(let a, let b): return evaluate(a, twin) && evaluate(b, twin)
        case .or(let a, let b): return evaluate(a, twin) || evaluate(b, twin)
        case .not(let a): return !evaluate(a, twin)
        case .compare(let path, let op, let value):
            guard let actual = lookup(twin, path) else { return false }
            let order = compare(actual, value)
            switch op {
            case "=": return order == 0
            case "!=": return order != 0
            case "<": return order.map { $0 < 0 } ?? false
            case ">": return order.map { $0 > 0 } ?? false
            case "<=": return order.map { $0 <= 0 } ?? false
            default: return order.map { $0 >= 0 } ?? false
            }
        }
    }

    static func lookup(_ value: JSONValue, _ path: [String]) -> JSONValue? {
        var current = value
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        func number(_ value: JSONValue) -> Double? {
            switch value {
            case .integer(let n): return Double(n)
            case .number(let n): return n
            default: return nil
            }
        }
        if let x = number(a), let y = number(b) { return x < y ? -1 : x > y ? 1 : 0 }
        if case .string(let x) = a, case .string(let y) = b { return x < y ? -1 : x > y ? 1 : 0 }
        if case .bool(let x) = a, case .bool(let y) = b { return x == y ? 0 : nil }
        if a == .null && b == .null { return 0 }
        return nil
    }
}

/// A query that does not parse: where and why.
public struct QueryError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

struct QueryLexer {
    enum Token: Equatable { case word(String), string(String), number(Double), symbol(String) }
    let chars: [Character]
    var index = 0

    init(_ text: String) { self.chars = Array(text) }

    mutating func tokens() throws -> [Token] {
        var out: [Token] = []
        while index < chars.count {
            let c = chars[index]
            if c.isWhitespace { index += 1; continue }
            if c == "'" || c == "\"" {
                var value = ""
                index += 1
                while index < chars.count, chars[index] != c { value.append(chars[index]); index += 1 }
                guard index < chars.count else { throw QueryError(description: "unterminated string in the query") }
                index += 1
                out.append(.string(value))
            } else if c.isNumber || (c == "-" && index + 1 < chars.count && chars[index + 1].isNumber) {
                var text = String(c)
                index += 1
                while index < chars.count, chars[index].isNumber || chars[index] == "." { text.append(chars[index]); index += 1 }
                guard let number = Double(text) else { throw QueryError(description: "bad number '\(text)'") }
                out.append(.number(number))
            } else if c.isLetter || c == "_" || c == "$" {
                var text = ""
                while index < chars.count, chars[index].isLetter || chars[index].isNumber || "_.$-".contains(chars[index]) {
                    text.append(chars[index]); index += 1
                }
                out.append(.word(text))
            } else if "<>!=".contains(c) {
                var op = String(c)
                index += 1
                if index < chars.count, chars[index] == "=" || (c == "<" && chars[index] == ">") { op.append(chars[index]); index += 1 }
                out.append(.symbol(op == "<>" ? "!=" : op))
            } else if "()*,".contains(c) {
                out.append(.symbol(String(c)))
                index += 1
            } else {
                throw QueryError(description: "unexpected '\(c)' in the query")
            }
        }
        return out
    }
}

struct QueryParser {
    let tokens: [QueryLexer.Token]
    let text: String
    var index = 0

    init(tokens: [QueryLexer.Token], text: String) {
        self.tokens = tokens
        self.text = text
    }

    func fail(_ reason: String) -> QueryError { QueryError(description: "\(reason) in '\(self.text)'") }

    mutating func keyword(_ word: String) -> Bool {
        if index < tokens.count, case .word(let w) = tokens[index], w.uppercased() == word { index += 1; return true }
        return false
    }

    mutating func symbol(_ s: String) -> Bool {
        if index < tokens.count, tokens[index] == .symbol(s) { index += 1; return true }
        return false
    }

    mutating func query() throws -> TwinQuery {
        guard self.keyword("SELECT") else { throw self.fail("expected SELECT") }
        var countAlias: String?
        if self.symbol("*") {
        } else if self.keyword("COUNT()") || (self.keyword("COUNT") && self.symbol("(") && self.symbol(")")) {
            guard self.keyword("AS"), index < tokens.count, case .word(let alias) = tokens[index] else { throw self.fail("expected COUNT() AS name") }
            index += 1
            countAlias = alias
        } else {
            throw self.fail("only SELECT * and SELECT COUNT() AS n are supported")
        }
        guard self.keyword("FROM"), self.keyword("DEVICES") else { throw self.fail("expected FROM devices") }
        var predicate = TwinQuery.Predicate.all
        if self.keyword("WHERE") { predicate = try self.or() }
        guard index == tokens.count else { throw self.fail("unexpected text at the end") }
        return TwinQuery(predicate: predicate, countAlias: countAlias)
    }

    mutating func or() throws -> TwinQuery.Predicate {
        var left = try self.and()
        while self.keyword("OR") { left = .or(left, try self.and()) }
        return left
    }

    mutating func and() throws -> TwinQuery.Predicate {
        var left = try self.factor()
        while self.keyword("AND") { left = .and(left, try self.factor()) }
        return left
    }

    mutating func factor() throws -> TwinQuery.Predicate {
        if self.keyword("NOT") { return .not(try self.factor()) }
        if self.symbol("(") {
            let inner = try self.or()
            guard self.symbol(")") else { throw self.fail("expected ')'") }
            return inner
        }
        if self.keyword("IS_DEFINED") {
            guard self.symbol("("), index < tokens.count, case .word(let path) = tokens[index] else { throw self.fail("expected IS_DEFINED(path)") }
            index += 1
            guard self.symbol(")") else { throw self.fail("expected ')'") }
            return .defined(path.split(separator: ".").map(String.init))
        }
        guard index < tokens.count, case .word(let path) = tokens[index] else { throw self.fail("expected a property path") }
        index += 1
        guard index < tokens.count, case .symbol(let op) = tokens[index], ["=", "!=", "<", ">", "<=", ">="].contains(op) else {
            throw self.fail("expected a comparison after '\(path)'")
        }
        index += 1
        guard index < tokens.count else { throw self.fail("expected a value") }
        let value: JSONValue
        switch tokens[index] {
        case .string(let s): value = .string(s)
        case .number(let n): value = n == n.rounded() ? .integer(Int64(n)) : .number(n)
        case .word(let w) where w.lowercased() == "true": value = .bool(true)
        case .word(let w) where w.lowercased() == "false": value = .bool(false)
        case .word(let w) where w.lowercased() == "null": value = .null
        default: throw self.fail("expected a value after '\(path) \(op)'")
        }
        index += 1
        return .compare(path: path.split(separator: ".").map(String.init), op: op, value: value)
    }
}
