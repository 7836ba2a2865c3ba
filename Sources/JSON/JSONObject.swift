/// A JSON object: members in insertion order, keys unique.
///
/// A hash index maps each key to its slot in the ordered storage, so lookup, insertion, replacement and removal
/// are O(1) (amortized) and parsing, merging or patching an object of n members is O(n), not O(n²). A removed
/// member leaves a hole, squeezed out once holes outnumber members, so the others keep their order.
/// Keys compare as Swift strings do (by canonical equivalence), as they did when looked up by a linear scan.
public struct JSONObject: Equatable, Sendable {
    /// The members in order, with `nil` holes where members were removed.
    private var slots: [(key: String, value: JSONValue)?] = []
    /// Each key's index in `slots`.
    private var positions: [String: Int] = [:]

    public init(_ members: [(String, JSONValue)] = []) {
        self.slots.reserveCapacity(members.count)
        self.positions.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// Equal members, whatever their order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.count == b.count
            && a.slots.allSatisfy { slot in
                guard let member = slot else { return true }
                return b[member.key] == member.value
            }
    }

    /// The members in insertion order.
    public var members: [(key: String, value: JSONValue)] {
        self.slots.count == self.positions.count ? self.slots.map { $0! } : self.slots.compactMap { $0 }
    }

    public var keys: [String] { self.slots.compactMap { $0?.key } }
    public var count: Int { self.positions.count }
    public var isEmpty: Bool { self.positions.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { self.positions[key].map { self.slots[$0]!.value } }
        set {
            if let index = self.positions[key] {
                if let newValue {
                    self.slots[index]!.value = newValue
                } else {
                    self.slots[index] = nil
                    self.positions[key] = nil
                    self.squeezeHoles()
                }
            } else if let newValue {
                self.positions[key] = self.slots.count
                self.slots.append((key, newValue))
            }
        }
    }

    /// Adds a member whose key the caller knows is new (the parser, after its duplicate check).
    mutating func append(_ key: String, _ value: JSONValue) {
        self.positions[key] = self.slots.count
        self.slots.append((key, value))
    }

    /// Drops the holes once they outnumber the members (amortized O(1) per removal).
    private mutating func squeezeHoles() {
        guard self.slots.count > 16, self.slots.count > 2 * self.positions.count else { return }
        self.slots.removeAll { $0 == nil }
        for (index, slot) in self.slots.enumerated() { self.positions[slot!.key] = index }
    }
}
