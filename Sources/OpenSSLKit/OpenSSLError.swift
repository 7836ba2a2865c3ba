internal import COpenSSL

/// An OpenSSL failure: what was being done and the library's own reasons, drained from its error queue.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let reasons: [String]

    init(_ operation: String) {
        self.operation = operation
        self.reasons = Self.drainErrorQueue()
    }

    public var description: String {
        self.reasons.isEmpty ? self.operation : "\(self.operation): \(self.reasons.joined(separator: "; "))"
    }

    /// Empties this thread's OpenSSL error queue, returning its entries as text.
    static func drainErrorQueue() -> [String] {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons
    }
}
