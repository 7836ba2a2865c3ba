import Foundation

extension JSONValue {
    /// A JMESPath subset: dotted fields, `[n]` indexes and `[].field` projections (`properties.hostName`, `[].deviceId`).
    public func query(_ expression: String) -> JSONValue {
        var current: [JSONValue] = [self]
        var projecting = false
        var rest = Substring(expression.trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")))
        while !rest.isEmpty {
            if rest.hasPrefix("[]") {
                projecting = true
                current = current.flatMap { value -> [JSONValue] in
                    if case .array(let items) = value { return items }
                    return []
                }
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("["), let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]) {
                current = current.compactMap { value in
                    if case .array(let items) = value { return items.indices.contains(index) ? items[index] : (index < 0 && -index <= items.count ? items[items.count + index] : nil) }
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            } else {
                if rest.hasPrefix(".") { rest = rest.dropFirst() }
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                let key = String(rest[..<end])
                current = current.compactMap { $0[key] }
                rest = rest[end...]
            }
        }
        if projecting { return .array(current) }
        return current.first ?? .null
    }
}
