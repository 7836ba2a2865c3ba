#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX error number with the call that produced it.
public struct PTYError: Error, Equatable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(self.call) failed: \(String(cString: strerror(self.errno))) (errno \(self.errno))" }
}

/// A pseudo-terminal whose primary side the simulator owns and whose replica side clients open by path.
///
/// Follows what was observed driving a Linux pty with pyserial 3.5 and nrfcredstore 2.1.0: the replica is put in raw
/// mode at once (otherwise the line discipline echoes the simulator's own output back to it), and one replica
/// descriptor stays open for the terminal's life, so reads on the primary never fail with `EIO` while no client is
/// attached. The primary is non-blocking.
public final class PseudoTerminal: @unchecked Sendable {
    /// The primary (master) descriptor the simulator reads and writes.
    public let primary: Int32
    /// The replica descriptor held open so the terminal survives clients coming and going.
    private let heldReplica: Int32
    /// The replica's path, such as `/dev/pts/3`.
    public let replicaPath: String
    private var closed = false

    /// Opens a new pseudo-terminal in raw mode.
    /// - Throws: ``PTYError`` if a system call fails.
    public init() throws(PTYError) {
        var primary: Int32 = -1
        var replica: Int32 = -1
        guard openpty(&primary, &replica, nil, nil, nil) == 0 else {
            throw PTYError(call: "openpty", errno: errno)
        }
        do throws(PTYError) {
            var attributes = termios()
            try Self.check("tcgetattr", tcgetattr(replica, &attributes))
            cfmakeraw(&attributes)
            try Self.check("tcsetattr", tcsetattr(replica, TCSANOW, &attributes))
            let flags = fcntl(primary, F_GETFL)
            try Self.check("fcntl", flags)
            try Self.check("fcntl", fcntl(primary, F_SETFL, flags | O_NONBLOCK))
            _ = fcntl(primary, F_SETFD, FD_CLOEXEC)
            _ = fcntl(replica, F_SETFD, FD_CLOEXEC)
            var name = [CChar](repeating: 0, count: 128)
            let result = ttyname_r(replica, &name, name.count)
            guard result == 0 else { throw PTYError(call: "ttyname_r", errno: result) }
            self.replicaPath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } catch {
            _ = Glibc.close(primary)
            _ = Glibc.close(replica)
            throw error
        }
        self.primary = primary
        self.heldReplica = replica
    }

    /// Reads what is available from the primary without blocking.
    /// - Returns: the bytes read; empty when nothing is waiting.
    /// - Throws: ``PTYError`` on a real error (not `EAGAIN`/`EINTR`).
    public func readAvailable(maximum: Int = 4096) throws(PTYError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(self.primary, $0.baseAddress, maximum) }
            if count >= 0 {
                return Array(buffer.prefix(count))
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EIO: return []
            default: throw PTYError(call: "read", errno: errno)
            }
        }
    }

    /// Writes as much of `bytes` as the terminal accepts now.
    /// - Returns: how many bytes were written (0 when the terminal's buffer is full).
    public func writeAvailable(_ bytes: ArraySlice<UInt8>) throws(PTYError) -> Int {
        while true {
            let count = bytes.withUnsafeBytes { write(self.primary, $0.baseAddress, $0.count) }
            if count >= 0 {
                return count
            }
            switch errno {
            case EINTR: continue
            case EAGAIN: return 0
            default: throw PTYError(call: "write", errno: errno)
            }
        }
    }

    /// Waits until the primary is readable (unless `wantRead` is false), writable (with `wantWrite`), or the timeout
    /// passes.
    /// - Returns: whether the descriptor became readable, and whether it became writable.
    public func wait(timeoutMilliseconds: Int32, wantRead: Bool = true, wantWrite: Bool) -> (readable: Bool, writable: Bool) {
        var descriptor = pollfd(fd: self.primary, events: wantRead ? Int16(POLLIN) : 0, revents: 0)
        if wantWrite {
            descriptor.events |= Int16(POLLOUT)
        }
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        guard ready > 0 else { return (false, false) }
        return (descriptor.revents & Int16(POLLIN) != 0, descriptor.revents & Int16(POLLOUT) != 0)
    }

    /// Closes both descriptors. Safe to call more than once.
    public func close() {
        guard !self.closed else { return }
        self.closed = true
        _ = Glibc.close(self.primary)
        _ = Glibc.close(self.heldReplica)
    }

    deinit {
        self.close()
    }

    private static func check(_ call: String, _ result: Int32) throws(PTYError) {
        if result < 0 { throw PTYError(call: call, errno: errno) }
    }
}
