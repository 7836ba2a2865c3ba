import JSON

/// A JSON document in a TEXT column, printed by the JSON module and read back by its parser, so that object members
/// keep their order: a twin's properties, an enrollment or a registration state render as they were written. Other
/// nested values of a row go through GRDB's JSON columns, that is Foundation's `JSONEncoder` with sorted keys and
/// `JSONDecoder`, which keeps no member order (GRDB README, "JSON Columns"; `EncodableRecord.databaseJSONEncoder`).
/// This type encodes as a single string, which GRDB stores in its column as it is.
struct JSONValueColumn: Codable, Equatable, Sendable {
    var value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self.value = try JSONValue.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.value.text)
    }
}

/// A JSON object in a TEXT column (see ``JSONValueColumn``): twin sections, DPS service documents.
struct JSONObjectColumn: Codable, Equatable, Sendable {
    var object: JSONObject

    init(_ object: JSONObject) { self.object = object }

    init(from decoder: any Decoder) throws {
        guard case .object(let object) = try JSONValueColumn(from: decoder).value else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "not a JSON object"))
        }
        self.object = object
    }

    func encode(to encoder: any Encoder) throws { try JSONValueColumn(.object(self.object)).encode(to: encoder) }

    /// What the column holds: the object's JSON text, as ``encode(to:)`` stores it.
    var text: String { JSONValue.object(self.object).text }
}
