/// JSON the parser refuses: what was wrong, and the byte offset where it was found.
public enum JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not RFC 8259 JSON (or a duplicate member name).
    case malformed(offset: Int, reason: String)
    /// The text is longer than `JSONParser.Limits.maximumBytes`; the offset is the first byte past the limit.
    case tooLarge(size: Int, limit: Int)
    /// Values nest deeper than `JSONParser.Limits.maximumDepth`, at the value that goes over.
    case tooDeep(offset: Int, limit: Int)
    /// An object has more members than `JSONParser.Limits.maximumKeysPerObject`, at the name that goes over.
    case tooManyKeys(offset: Int, limit: Int)

    public var offset: Int {
        switch self {
        case .malformed(let offset, _), .tooDeep(let offset, _), .tooManyKeys(let offset, _): return offset
        case .tooLarge(_, let limit): return limit
        }
    }

    public var reason: String {
        switch self {
        case .malformed(_, let reason): return reason
        case .tooLarge(let size, let limit): return "the text is \(size) bytes, over the limit of \(limit)"
        case .tooDeep(_, let limit): return "nested deeper than \(limit)"
        case .tooManyKeys(_, let limit): return "an object with more than \(limit) members"
        }
    }

    public var description: String {
        switch self {
        case .malformed: return "malformed JSON at byte \(self.offset): \(self.reason)"
        default: return "JSON refused at byte \(self.offset): \(self.reason)"
        }
    }
}
