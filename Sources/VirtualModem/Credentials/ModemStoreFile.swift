import Foundation
import Secrets

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

/// The modem's store on disk: one file, mode 0600, in a 0700 directory, replaced atomically on every change through
/// ``DurableFile``, so a kill at any moment leaves either the previous or the new state.
public struct ModemStoreFile: Sendable {
    public let path: String

    /// - Parameter directory: the device's state directory; created (mode 0700) if missing.
    public init(directory: String) throws(ModemStoreError) {
        do {
            try DurableFile.makeDirectory(directory)
        } catch {
            throw ModemStoreError("cannot create state directory \(directory): \(error.reason)")
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

    /// Replaces the store on disk atomically and durably (``DurableFile``), mode 0600.
    public func save(_ nvm: ModemNVM) throws(ModemStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(nvm))
        } catch {
            throw ModemStoreError("cannot encode the modem store: \(error)")
        }
        do {
            try DurableFile.write(bytes, to: self.path, mode: DurableFile.privateMode)
        } catch {
            throw ModemStoreError("\(error)")
        }
    }
}
