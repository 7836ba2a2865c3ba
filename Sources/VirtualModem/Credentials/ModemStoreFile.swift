import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why the modem's store could not be read or written.
public struct ModemStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { self.reason }
}

/// What the modem keeps in non-volatile memory: its identity and its credential store.
public struct ModemNVM: Codable, Equatable, Sendable {
    public static let currentVersion = 1
    public var version = ModemNVM.currentVersion
    public var identity: ModemIdentity
    public var credentials: CredentialStore
}

/// The modem's store on disk: one file, mode 0600, replaced atomically on every change.
///
/// A write goes to a temporary file that is fsynced and then renamed over the old one, and the directory is fsynced,
/// so a kill at any moment leaves either the previous or the new state.
public struct ModemStoreFile: Sendable {
    public let path: String

    /// - Parameter directory: the device's state directory; created (mode 0700) if missing.
    public init(directory: String) throws(ModemStoreError) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw ModemStoreError("cannot create state directory \(directory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw ModemStoreError("state directory \(directory) is not a directory")
        }
        self.path = directory + "/modem-nvm.json"
    }

    /// Reads the store, or nil if the modem has never been started in this directory.
    /// - Throws: if the file exists but cannot be read or decoded; it is never overwritten in that case.
    public func load() throws(ModemStoreError) -> ModemNVM? {
        guard FileManager.default.fileExists(atPath: self.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: self.path))
        } catch {
            throw ModemStoreError("cannot read \(self.path): \(error.localizedDescription)")
        }
        let nvm: ModemNVM
        do {
            nvm = try JSONDecoder().decode(ModemNVM.self, from: data)
        } catch {
            throw ModemStoreError("\(self.path) is not a valid modem store: \(error)")
        }
        guard nvm.version == ModemNVM.currentVersion else {
            throw ModemStoreError("\(self.path) has store version \(nvm.version), expected \(ModemNVM.currentVersion)")
        }
        try nvm.identity.validate()
        return nvm
    }

    /// Replaces the store on disk atomically.
    public func save(_ nvm: ModemNVM) throws(ModemStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(nvm))
        } catch {
            throw ModemStoreError("cannot encode the modem store: \(error)")
        }
        let temporary = self.path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.posixError("open", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = Self.posixError("write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = Self.posixError("fsync", temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, self.path) == 0 else {
            let error = Self.posixError("rename", self.path)
            unlink(temporary)
            throw error
        }
        let directory = open((self.path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    private static func posixError(_ call: String, _ path: String) -> ModemStoreError {
        ModemStoreError("\(call) \(path): \(String(cString: strerror(errno)))")
    }
}
