import Foundation

#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// A file that could not be written, or a directory that could not be made: names the path and the system's reason.
public struct DurableFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or directory concerned.
    public var path: String
    /// What failed (`open`, `write`, `fsync`, `rename`, `mkdir`, …) and why.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write \(self.path): \(self.reason)" }
}

/// The one way nrfsim writes a file that must survive a crash: a temporary file beside it (created with the final
/// mode), written in full, fsynced, renamed over the old one (`rename(2)` replaces atomically), and the directory
/// fsynced so that the rename itself is durable (`fsync(2)`: "Calling fsync() does not necessarily ensure that the
/// entry in the directory containing the file has also reached disk"). A kill at any moment leaves either the old or
/// the new content. A failure before the rename leaves the old file as it was; every failure throws an error naming
/// the file.
public enum DurableFile {
    /// Owner read/write only: every file that holds a key, token, password or private state.
    public static let privateMode: mode_t = 0o600
    /// Owner read/write, others read: certificates and other public material.
    public static let publicMode: mode_t = 0o644
    /// Owner only: directories that hold private files.
    public static let privateDirectoryMode: mode_t = 0o700

    /// Replaces `path` with `bytes`, durably and atomically.
    /// - Parameter mode: the file's permissions (``privateMode`` unless the content is public).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = privateMode) throws(DurableFileError) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw Self.failure(path, "open \(temporary)") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        // The mode given to open() is masked by the umask; the file must end with exactly `mode`.
        guard fchmod(descriptor, mode) == 0 else {
            let error = Self.failure(path, "fchmod \(temporary)")
            close(descriptor)
            throw error
        }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 {
                if count < 0, errno == EINTR { continue }
                if count == 0 { errno = EIO }
                let error = Self.failure(path, "write \(temporary)")
                close(descriptor)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = Self.failure(path, "fsync \(temporary)")
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw Self.failure(path, "close \(temporary)") }
        guard rename(temporary, path) == 0 else { throw Self.failure(path, "rename \(temporary)") }
        ok = true
        // The new content is in place; a failure now means it may not survive a crash, and says so.
        try Self.syncDirectory(of: path, after: "replaced, but not made durable")
    }

    /// ``write(_:to:mode:)`` of UTF-8 text.
    public static func write(_ text: String, to path: String, mode: mode_t = privateMode) throws(DurableFileError) {
        try Self.write(Array(text.utf8), to: path, mode: mode)
    }

    /// Makes `path` and any missing parents; the ones it creates get `mode` (owner-only by default). An existing
    /// directory is left as it is.
    public static func makeDirectory(_ path: String, mode: mode_t = privateDirectoryMode) throws(DurableFileError) {
        guard !path.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DurableFileError(path: path, reason: "it exists and is not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try Self.makeDirectory(parent, mode: mode) }
        guard mkdir(path, mode) == 0 else {
            // Made meanwhile by someone else: fine if it is a directory, which is then left as it is.
            let code = errno
            if code == EEXIST, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return
            }
            errno = code
            throw Self.failure(path, "mkdir")
        }
        // The mode given to mkdir() is masked by the umask.
        guard chmod(path, mode) == 0 else { throw Self.failure(path, "chmod") }
        try Self.syncDirectory(of: path, after: "made, but not made durable")
    }

    /// A warning when the existing file at `path` (a secret) can be read or written by group or others, naming it;
    /// nil when it is private or absent.
    public static func loosePermissionsWarning(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else { return nil }
        return "\(path) holds secrets but has mode \(String(format: "%04o", mode)): readable by others; "
            + "run chmod 600 \(path)"
    }

    /// Makes a new directory entry durable: fsync of the directory that holds `path`.
    private static func syncDirectory(of path: String, after what: String) throws(DurableFileError) {
        var directory = (path as NSString).deletingLastPathComponent
        if directory.isEmpty { directory = "." }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure(path, "\(what): open directory \(directory)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.failure(path, "\(what): fsync directory \(directory)") }
    }

    private static func failure(_ path: String, _ call: String) -> DurableFileError {
        DurableFileError(path: path, reason: "\(call): \(String(cString: strerror(errno)))")
    }
}
