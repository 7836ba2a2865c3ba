/// A JSON object: members in insertion order, keys unique.
public struct JSONObject: Equatable, Sendable {
    public private(set) var members: [(key: String, value: JSONValue)] = []

    public init(_ members: [(String, JSONValue)] = []) {
        for (key, value) in members { self[key] = value }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && a.members.allSatisfy { member in b[member.key] == member.value }
    }

    public var keys: [String] { self.members.map(\.key) }
    public var isEmpty: Bool { self.members.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { self.members.first { $0.key == key }?.value }
        set {
            if let index = self.members.firstIndex(where: { $0.key == key }) {
                if let newValue { self.members[index].value = newValue } else { self.members.remove(at: index) }
            } else if let newValue {
                self.members.append((key, newValue))
            }
        }
    }
}
