/// Malformed JSON: what and where.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "malformed JSON at byte \(self.offset): \(self.reason)" }
}
