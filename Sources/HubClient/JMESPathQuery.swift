import JSON

/// An `az --query` expression in the JMESPath subset `nrfsim az` evaluates (https://jmespath.org/specification.html):
/// dotted fields (`properties.hostName`), indexes (`[1]`, `[-1]`) and `[]` projections (`[].deviceId`,
/// `value[].name`), with whitespace allowed between them. A field name is any run of characters that JMESPath gives no
/// meaning, so names such as `$version` need no quotes. Quotes and spaces around the whole expression are dropped, so a
/// guide's `--query "properties.idScope"` still works where no shell strips the quotes. The rest of JMESPath (filters,
/// wildcards, slices, multiselects, pipes, functions, literals, comparisons) is refused with a ``JMESPathError``.
public struct JMESPathQuery: Equatable, Sendable {
    /// One step of the path, applied to every value the path has reached so far.
    enum Step: Equatable, Sendable {
        /// `name` or `.name`: the member of each object (non-objects, and objects without it, drop out).
        case field(String)
        /// `[n]`: the element of each array, counting from the end when negative.
        case index(Int)
        /// `[]`: each array's elements; the result is then a list (a projection). Unlike JMESPath's flatten, lists
        /// inside the array stay lists (`[[1], 2]` gives `[[1], 2]`): the outputs queried are lists of objects.
        case projection
    }

    /// The expression as given.
    public let expression: String
    let steps: [Step]

    /// Parses `expression`; an empty one (after the quotes and spaces around it) selects the whole value, as az ignores
    /// an empty `--query`.
    public init(_ expression: String) throws(JMESPathError) {
        self.expression = expression
        var parser = JMESPathParser(expression)
        self.steps = try parser.steps()
    }

    /// The part of `value` the expression selects: `null` when a field or index is missing, a list after `[]`.
    public func evaluate(_ value: JSONValue) -> JSONValue {
        var current: [JSONValue] = [value]
        var projecting = false
        for step in self.steps {
            switch step {
            case .projection:
                projecting = true
                current = current.flatMap { value -> [JSONValue] in
                    if case .array(let items) = value { return items }
                    return []
                }
            case .index(let index):
                current = current.compactMap { value in
                    guard case .array(let items) = value else { return nil }
                    if items.indices.contains(index) { return items[index] }
                    return index < 0 && -index <= items.count ? items[items.count + index] : nil
                }
            case .field(let key):
                current = current.compactMap { $0[key] }
            }
        }
        if projecting { return .array(current) }
        return current.first ?? .null
    }
}
