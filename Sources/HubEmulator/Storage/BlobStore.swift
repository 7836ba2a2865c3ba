import Foundation

/// Azure Blob Storage, as far as FOTA needs it: blobs by account, container and name, kept as files under
/// `<data-dir>/blobs/`, read back whole or by byte range.
public struct BlobStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The longest file name: a blob name's segment longer than this cannot be stored.
    static let maximumSegment = 255

    /// `account`, `container` and `name` as Azure allows them (no `..`, no empty segment).
    static func validate(account: String, container: String, name: String) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
        for (what, value) in [("account", account), ("container", container)] {
            guard !value.isEmpty, value.unicodeScalars.allSatisfy(allowed.contains), !value.hasPrefix(".") else {
                throw IoTHubError.invalidResourceName("the \(what) name '\(value)' is not valid")
            }
        }
        let segments = name.split(separator: "/", omittingEmptySubsequences: false)
        // Azure: 1 to 1,024 characters ("Naming and referencing containers, blobs, and metadata", Azure Storage
        // documentation). The emulator keeps each blob as a file, so a path segment is also bound by the file
        // system's 255-byte name limit.
        guard name.utf8.count <= 1024 else {
            throw IoTHubError.invalidResourceName("the blob name is \(name.utf8.count) characters long; at most 1024 are allowed")
        }
        if let long = segments.first(where: { $0.utf8.count > Self.maximumSegment }) {
            throw IoTHubError.invalidResourceName(
                "the blob name's segment '\(PeerText.quoted(long))' is \(long.utf8.count) bytes long; the emulator stores blobs as files, so at most \(Self.maximumSegment) are allowed")
        }
        guard !name.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.unicodeScalars.allSatisfy(allowed.contains) }) else {
            throw IoTHubError.invalidResourceName("the blob name '\(PeerText.quoted(name))' is not valid")
        }
    }

    func path(account: String, container: String, name: String) -> String {
        [self.directory, account, container, name].joined(separator: "/")
    }

    /// Stores a blob (replacing it when `overwrite`), atomically.
    public func upload(account: String, container: String, name: String, content: [UInt8], overwrite: Bool) throws {
        try Self.validate(account: account, container: container, name: name)
        let path = self.path(account: account, container: container, name: name)
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw IoTHubError.blobAlreadyExists("The specified blob already exists.")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw IoTHubError.serverError("the blob could not be stored: \((error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription)")
        }
    }

    /// A blob's bytes, or nil when there is none.
    public func read(account: String, container: String, name: String) -> [UInt8]? {
        guard (try? Self.validate(account: account, container: container, name: name)) != nil else { return nil }
        return FileManager.default.contents(atPath: self.path(account: account, container: container, name: name)).map(Array.init)
    }
}

/// `Range: bytes=a-b` (or `a-`, or `-n`) against a blob of `size` bytes: the inclusive range, or nil when it cannot
/// be satisfied.
func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
    guard header.hasPrefix("bytes="), size > 0 else { return nil }
    let spec = header.dropFirst(6)
    guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
    let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
    let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
    if first.isEmpty {
        guard let suffix = Int(last), suffix > 0 else { return nil }
        return max(0, size - suffix)...(size - 1)
    }
    guard let start = Int(first), start < size else { return nil }
    let end = last.isEmpty ? size - 1 : (Int(last).map { min($0, size - 1) } ?? -1)
    guard end >= start else { return nil }
    return start...end
}
