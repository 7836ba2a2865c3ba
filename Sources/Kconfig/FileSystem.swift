#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the Kconfig engine needs, with Python's path semantics (`os.path.join`, `dirname`,
/// `glob.glob`) so paths and their order match kconfiglib's.
enum FileSystem {
    /// Why a file could not be read.
    enum ReadFailure: Error, Equatable {
        /// `open()`, `fstat()` or `read()` failed with this `errno` (a directory is `EISDIR`).
        case system(Int32)
        /// Not a regular file: "a FIFO", "a character device", "a block device" or "a socket". It is never read,
        /// so a FIFO without a writer cannot block and `/dev/zero` cannot fill memory.
        case notRegularFile(String)
        /// Larger than the limit (`st_size`, or the bytes read so far when the file grew while being read).
        case tooLarge(size: Int, limit: Int)

        /// The reason as kconfiglib's "Could not open" messages give it: `(ENOENT: No such file or directory)`.
        var parenthesized: String {
            switch self {
            case .system(let code): return "(\(FileSystem.errorName(code)): \(FileSystem.errorText(code)))"
            case .notRegularFile(let kind): return "(not a regular file: \(kind))"
            case .tooLarge(let size, let limit):
                return "(EFBIG: \(FileSystem.errorText(EFBIG)): \(size) bytes, over the limit of \(limit) bytes)"
            }
        }
    }

    /// Reads a whole regular file of at most `limit` bytes. The file is opened non-blocking (opening a FIFO for
    /// reading would otherwise wait for a writer) and checked with `fstat()` before anything is read.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return .failure(.system(errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(.system(errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(.system(EISDIR))
        case S_IFIFO: return .failure(.notRegularFile("a FIFO"))
        case S_IFCHR: return .failure(.notRegularFile("a character device"))
        case S_IFBLK: return .failure(.notRegularFile("a block device"))
        case S_IFSOCK: return .failure(.notRegularFile("a socket"))
        default: return .failure(.notRegularFile("not a file"))
        }
        let size = Int(status.st_size)
        if size > limit { return .failure(.tooLarge(size: size, limit: limit)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.system(errno))
            }
            if count == 0 { break }
            if bytes.count + count > limit { return .failure(.tooLarge(size: bytes.count + count, limit: limit)) }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return .success(bytes)
    }

    static func lexists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory (without `.` and `..`), optionally only subdirectories; empty when unreadable.
    static func list(_ path: String, directoriesOnly: Bool) -> [String] {
        guard let directory = opendir(path.isEmpty ? "." : path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if directoriesOnly, !Self.isDirectory(Self.join(path, name)) { continue }
            names.append(name)
        }
        return names
    }

    /// `os.path.realpath()` for an existing directory, or the path made absolute against the working directory.
    static func absolute(_ path: String) -> String {
        if let resolved = realpath(path.isEmpty ? "." : path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return Self.join(cwd, path)
    }

    /// `os.path.join(a, b)`.
    static func join(_ head: String, _ tail: String) -> String {
        if tail.hasPrefix("/") || head.isEmpty { return tail }
        return head.hasSuffix("/") ? head + tail : head + "/" + tail
    }

    /// `os.path.split()`: (head without trailing slashes unless all slashes, tail).
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        var head = String(path[...slash])
        let tail = String(path[path.index(after: slash)...])
        if head.contains(where: { $0 != "/" }) {
            while head.hasSuffix("/") { head.removeLast() }
        }
        return (head, tail)
    }

    /// `os.path.dirname()`.
    static func dirname(_ path: String) -> String { Self.split(path).0 }

    /// `errno.errorcode[e]`.
    static func errorName(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "ENOENT"
        case EACCES: return "EACCES"
        case EISDIR: return "EISDIR"
        case ENOTDIR: return "ENOTDIR"
        case ELOOP: return "ELOOP"
        case ENAMETOOLONG: return "ENAMETOOLONG"
        case EPERM: return "EPERM"
        case EIO: return "EIO"
        case EFBIG: return "EFBIG"
        default: return "E\(code)"
        }
    }

    /// `os.strerror(e)`.
    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
