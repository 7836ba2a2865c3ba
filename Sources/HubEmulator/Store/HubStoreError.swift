/// Why the emulator's store refused an operation: every case names where, so that nothing is lost without a word.
public enum HubStoreError: Error, Sendable, CustomStringConvertible {
    /// The database file cannot be opened, created or migrated.
    case cannotOpen(path: String, reason: String)
    /// A stored row cannot be decoded: the table and the row's key say which.
    case corruptRow(table: String, key: String, reason: String)
    /// A read or write failed (disk full, read-only file system, I/O error, …).
    case failed(operation: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open the hub database \(path): \(reason)"
        case .corruptRow(let table, let key, let reason): return "the \(table) row \(key) cannot be read: \(reason)"
        case .failed(let operation, let reason): return "the hub database could not \(operation): \(reason)"
        }
    }
}
