/// Reads a `--query` expression into ``JMESPathQuery`` steps, refusing the JMESPath the subset does not evaluate with
/// its position. The token characters and their meanings are the specification's grammar
/// (https://jmespath.org/specification.html#grammar).
struct JMESPathParser {
    /// Dropped around the whole expression (the quotes a shell would have removed).
    static let surrounding: Set<Character> = ["\"", "'", " "]
    /// JMESPath's whitespace between tokens.
    static let whitespace: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
    /// The characters that are JMESPath syntax; a field name is a run of anything else.
    static let syntax: Set<Character> = [
        ".", "[", "]", "*", "|", "&", "!", "(", ")", "{", "}", "@", "`", "'", "\"", ",", ":", "=", "<", ">", "?",
    ]

    let expression: String
    let characters: [Character]
    /// The next character's offset into `expression`.
    var index: Int
    /// Where the expression ends, before the surrounding quotes and spaces.
    let end: Int

    init(_ expression: String) {
        self.expression = expression
        self.characters = Array(expression)
        var start = 0
        var end = self.characters.count
        while start < end, Self.surrounding.contains(self.characters[start]) { start += 1 }
        while end > start, Self.surrounding.contains(self.characters[end - 1]) { end -= 1 }
        self.index = start
        self.end = end
    }

    /// The whole expression: a field or a bracket, then any number of `.field` and brackets.
    mutating func steps() throws(JMESPathError) -> [JMESPathQuery.Step] {
        var steps: [JMESPathQuery.Step] = []
        self.skipWhitespace()
        guard self.index < self.end else { return steps }
        if self.characters[self.index] == "[" {
            steps.append(try self.bracket())
        } else {
            steps.append(.field(try self.field(afterDot: false)))
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.end else { return steps }
            switch self.characters[self.index] {
            case ".":
                self.index += 1
                self.skipWhitespace()
                steps.append(.field(try self.field(afterDot: true)))
            case "[":
                steps.append(try self.bracket())
            default:
                throw self.refusalAfterStep()
            }
        }
    }

    /// A field name, at the start of the expression or after a `.`.
    mutating func field(afterDot: Bool) throws(JMESPathError) -> String {
        let start = self.index
        while self.index < self.end, !Self.syntax.contains(self.characters[self.index]), !Self.whitespace.contains(self.characters[self.index]) {
            self.index += 1
        }
        guard self.index == start else { return String(self.characters[start..<self.index]) }
        guard self.index < self.end else { throw self.malformed("expected a field name after '.'") }
        let feature: JMESPathFeature? =
            switch self.characters[self.index] {
            case "*": .wildcardExpression
            case "[": afterDot ? .multiselectList : nil
            case "{": .multiselectHash
            case "@": .currentNode
            case "`": .jsonLiteral
            case "'": .rawStringLiteral
            case "\"": .quotedIdentifier
            case "!": .notExpression
            case "(": .parenthesizedExpression
            case "&": .expressionReference
            default: nil
            }
        if let feature { throw self.unsupported(feature) }
        throw self.malformed(afterDot ? "expected a field name after '.', found \(self.found)" : "unexpected \(self.found)")
    }

    /// `[]`, `[n]`, or the bracketed syntax the subset refuses (`[?…]`, `[*]`, slices, multiselect lists).
    mutating func bracket() throws(JMESPathError) -> JMESPathQuery.Step {
        let open = self.index
        self.index += 1
        self.skipWhitespace()
        guard self.index < self.end else { throw self.malformed("unterminated '['", at: open) }
        switch self.characters[self.index] {
        case "]":
            self.index += 1
            return .projection
        case "?": throw self.unsupported(.filterExpression, at: open)
        case "*": throw self.unsupported(.wildcardExpression, at: open)
        case ":": throw self.unsupported(.slice, at: open)
        case let first where first == "-" || Self.isDigit(first):
            let start = self.index
            if self.characters[self.index] == "-" { self.index += 1 }
            let digits = self.index
            while self.index < self.end, Self.isDigit(self.characters[self.index]) { self.index += 1 }
            guard self.index > digits else { throw self.malformed("expected a digit after '-'") }
            let text = String(self.characters[start..<self.index])
            guard let number = Int(text) else { throw self.malformed("the index \(text) is out of range", at: start) }
            self.skipWhitespace()
            guard self.index < self.end else { throw self.malformed("unterminated '['", at: open) }
            if self.characters[self.index] == ":" { throw self.unsupported(.slice, at: open) }
            guard self.characters[self.index] == "]" else { throw self.malformed("expected ']' after the index, found \(self.found)") }
            self.index += 1
            return .index(number)
        default:
            throw self.unsupported(.multiselectList, at: open)
        }
    }

    /// What follows a complete step when it is not `.`, `[` or the end.
    func refusalAfterStep() -> JMESPathError {
        let character = self.characters[self.index]
        let next = self.index + 1 < self.end ? self.characters[self.index + 1] : nil
        let feature: JMESPathFeature? =
            switch (character, next) {
            case ("|", "|"): .orExpression
            case ("|", _): .pipeExpression
            case ("&", "&"): .andExpression
            case ("=", "="), ("!", "="), ("<", _), (">", _): .comparison
            case ("(", _): .functionCall
            default: nil
            }
        if let feature { return self.unsupported(feature) }
        return self.malformed("expected '.', '[' or the end, found \(self.found)")
    }

    mutating func skipWhitespace() {
        while self.index < self.end, Self.whitespace.contains(self.characters[self.index]) { self.index += 1 }
    }

    /// The next character, quoted for a message.
    var found: String { self.index < self.end ? "'\(self.characters[self.index])'" : "the end" }

    static func isDigit(_ character: Character) -> Bool { character.asciiValue.map { (0x30...0x39).contains($0) } ?? false }

    func malformed(_ problem: String, at position: Int? = nil) -> JMESPathError {
        JMESPathError(expression: self.expression, position: position ?? self.index, reason: .malformed(problem))
    }

    func unsupported(_ feature: JMESPathFeature, at position: Int? = nil) -> JMESPathError {
        JMESPathError(expression: self.expression, position: position ?? self.index, reason: .unsupported(feature))
    }
}
