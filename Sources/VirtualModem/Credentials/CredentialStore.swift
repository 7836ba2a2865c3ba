/// The modem's credential storage: an ordered list of `(sec_tag, type)` entries, unique per pair.
///
/// Entries keep their insertion order, as the real list is not sorted; modem-owned entries are listed after the
/// user's. Capacity is bounded so that "memory full" (515) can be reproduced.
public struct CredentialStore: Codable, Equatable, Sendable {
    /// Limits of the store.
    public struct Capacity: Codable, Equatable, Sendable {
        public var maximumEntries: Int
        public var maximumTotalBytes: Int

        public init(maximumEntries: Int = 100, maximumTotalBytes: Int = 256 * 1024) {
            self.maximumEntries = maximumEntries
            self.maximumTotalBytes = maximumTotalBytes
        }
    }

    public private(set) var entries: [Credential] = []
    public var capacity = Capacity()

    public init(capacity: Capacity = Capacity()) {
        self.capacity = capacity
    }

    /// The entry at `(tag, type)`, if any.
    public func entry(tag: UInt32, type: CredentialType) -> Credential? {
        self.entries.first { $0.tag == tag && $0.type == type }
    }

    /// Entries in `%CMNG=1` order, filtered like `AT%CMNG=1[,tag[,type]]`.
    public func list(tag: UInt32? = nil, type: CredentialType? = nil) -> [Credential] {
        let matching = self.entries.filter { entry in
            (tag == nil || entry.tag == tag) && (type == nil || entry.type == type)
        }
        return matching.filter { !$0.readOnly } + matching.filter(\.readOnly)
    }

    /// Stores `credential`, replacing any entry with the same `(tag, type)` in place.
    /// - Returns: false when the store is full.
    mutating func put(_ credential: Credential) -> Bool {
        let existing = self.entries.firstIndex { $0.tag == credential.tag && $0.type == credential.type }
        let others = self.entries.enumerated().filter { $0.offset != existing }.map(\.element)
        let userCount = others.filter { !$0.readOnly }.count + (credential.readOnly ? 0 : 1)
        let bytes = others.reduce(credential.content.count) { $0 + $1.content.count }
        if !credential.readOnly, userCount > self.capacity.maximumEntries || bytes > self.capacity.maximumTotalBytes {
            return false
        }
        if let existing {
            self.entries[existing] = credential
        } else {
            self.entries.append(credential)
        }
        return true
    }

    /// Removes the entry at `(tag, type)`.
    /// - Returns: whether there was one.
    mutating func remove(tag: UInt32, type: CredentialType) -> Bool {
        guard let index = self.entries.firstIndex(where: { $0.tag == tag && $0.type == type }) else { return false }
        self.entries.remove(at: index)
        return true
    }
}
