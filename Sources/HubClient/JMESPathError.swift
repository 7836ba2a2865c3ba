import JSON

/// A `--query` expression ``JMESPathQuery`` does not evaluate: which, where, and why.
public struct JMESPathError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why an expression is refused.
    public enum Reason: Equatable, Sendable {
        /// JMESPath that the subset does not evaluate.
        case unsupported(JMESPathFeature)
        /// Not JMESPath: what the parser expected, or found.
        case malformed(String)
    }

    /// The expression as given.
    public var expression: String
    /// Where the refused syntax starts: a 0-based character offset into `expression`.
    public var position: Int
    public var reason: Reason

    public init(expression: String, position: Int, reason: Reason) {
        self.expression = expression
        self.position = position
        self.reason = reason
    }

    /// `unsupported JMESPath syntax at 5 in "value[?x]": filter expressions ([?…]) are not supported`, or
    /// `malformed JMESPath at 2 in "a.": expected a field name after '.'`; the expression is quoted as a JSON string.
    public var description: String {
        let quoted = JSONValue.string(self.expression).text
        switch self.reason {
        case .unsupported(let feature): return "unsupported JMESPath syntax at \(self.position) in \(quoted): \(feature.refusal)"
        case .malformed(let problem): return "malformed JMESPath at \(self.position) in \(quoted): \(problem)"
        }
    }
}

/// The parts of JMESPath (https://jmespath.org/specification.html) that ``JMESPathQuery`` refuses.
public enum JMESPathFeature: Equatable, Sendable, CaseIterable {
    case filterExpression, wildcardExpression, slice, multiselectList, multiselectHash, pipeExpression, orExpression
    case andExpression, notExpression, comparison, functionCall, currentNode, jsonLiteral, rawStringLiteral
    case quotedIdentifier, parenthesizedExpression, expressionReference

    /// The refusal, naming the syntax: `filter expressions ([?…]) are not supported`.
    public var refusal: String {
        switch self {
        case .filterExpression: "filter expressions ([?…]) are not supported"
        case .wildcardExpression: "wildcard expressions (* and [*]) are not supported"
        case .slice: "slices ([start:stop:step]) are not supported"
        case .multiselectList: "multiselect lists ([a, b]) are not supported"
        case .multiselectHash: "multiselect hashes ({key: a}) are not supported"
        case .pipeExpression: "pipe expressions (a | b) are not supported"
        case .orExpression: "or expressions (a || b) are not supported"
        case .andExpression: "and expressions (a && b) are not supported"
        case .notExpression: "not expressions (!a) are not supported"
        case .comparison: "comparisons (==, !=, <, <=, >, >=) are not supported"
        case .functionCall: "function calls (name(…)) are not supported"
        case .currentNode: "the current node (@) is not supported"
        case .jsonLiteral: "JSON literals (`…`) are not supported"
        case .rawStringLiteral: "raw string literals ('…') are not supported"
        case .quotedIdentifier: "quoted identifiers (\"…\") are not supported"
        case .parenthesizedExpression: "parenthesized expressions ((…)) are not supported"
        case .expressionReference: "expression references (&a) are not supported"
        }
    }
}
