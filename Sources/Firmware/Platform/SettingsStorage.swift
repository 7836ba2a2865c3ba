import Foundation
import Logging
import Secrets
import Synchronization

/// Zephyr's settings subsystem on the device's "settings" partition: a file in the state directory holding
/// self-describing string values by key (`azure_iot_hub/hostname`). Every change replaces the file atomically and
/// durably (``DurableFile``), mode 0600.
public final class SettingsStorage: Sendable {
    private let path: String?
    private let values: Mutex<[String: String]>

    /// Loads `<directory>/settings.json`; nil `directory` keeps settings in RAM (a board without a partition).
    /// - Throws: when the file exists but cannot be read; it is never overwritten then.
    /// - Parameter logger: told when the file can be read by others.
    public init(directory: String?, logger: Logger? = nil) throws {
        guard let directory else {
            self.path = nil
            self.values = Mutex([:])
            return
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent("settings.json").path
        self.path = path
        if let warning = DurableFile.loosePermissionsWarning(path) { logger?.warning("\(warning)") }
        if let data = FileManager.default.contents(atPath: path) {
            guard let decoded = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw SettingsError("\(path) is not a settings file (a JSON object of strings); it is left as it is")
            }
            self.values = Mutex(decoded)
        } else {
            self.values = Mutex([:])
        }
    }

    /// `settings_load_subtree()`: every key under `subtree/`, without the prefix.
    public func load(subtree: String) -> [String: String] {
        let prefix = subtree + "/"
        return self.values.withLock { values in
            var result: [String: String] = [:]
            for (key, value) in values where key.hasPrefix(prefix) { result[String(key.dropFirst(prefix.count))] = value }
            return result
        }
    }

    /// `settings_save_one()`. - Throws: when the partition cannot be written (the value is not kept then).
    public func save(_ key: String, _ value: String) throws {
        try self.update { $0[key] = value }
    }

    /// `settings_delete()`.
    public func delete(_ key: String) throws {
        try self.update { $0[key] = nil }
    }

    private func update(_ change: (inout [String: String]) -> Void) throws {
        try self.values.withLock { values in
            var next = values
            change(&next)
            if let path = self.path {
                let data = try JSONEncoder().encode(next)
                try DurableFile.makeDirectory((path as NSString).deletingLastPathComponent)
                try DurableFile.write(Array(data), to: path, mode: DurableFile.privateMode)
            }
            values = next
        }
    }
}

public struct SettingsError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
