/// A byte stream that is not TLS records: the first record header ``TLSRecordScanner`` refused, what is wrong with
/// it, and `offset`, where it starts in the stream (bytes from the scanner's first).
public enum TLSRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A content type outside 20-24.
    case contentType(UInt8, offset: Int)
    /// A record layer version that is not 3.0-3.4.
    case version(UInt16, offset: Int)
    /// A fragment longer than ``TLSRecordScanner/maximumLength``.
    case length(Int, offset: Int)

    public var description: String {
        switch self {
        case .contentType(let type, let offset): "a TLS record header at byte \(offset) has content type \(type) (not 20-24)"
        case .version(let version, let offset): "a TLS record header at byte \(offset) has version 0x\(String(version, radix: 16)) (not 0x0300-0x0304)"
        case .length(let length, let offset): "a TLS record header at byte \(offset) has length \(length) (over \(TLSRecordScanner.maximumLength))"
        }
    }
}
