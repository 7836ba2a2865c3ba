import JSON

/// A row of the v1/v2 schema: one JSON document per row (`record TEXT`), read field by field for the
/// `v3-typed-records` migration. A field that is absent or null takes the value the v2 reader gave it; a field of
/// the wrong type is an error (the v2 writer never wrote one), as is a list entry the v2 reader would have skipped.
struct LegacyDocument {
    let object: JSONObject

    init(_ text: String) throws(LegacyFieldError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw LegacyFieldError(reason: "\(error)")
        }
        guard case .object(let object) = value else { throw LegacyFieldError(reason: "the record is not a JSON object") }
        self.object = object
    }

    init(_ object: JSONObject) { self.object = object }

    /// The field, nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = self.object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(LegacyFieldError) -> String {
        guard let text = try self.optionalString(key) else { throw LegacyFieldError(reason: "no \(key)") }
        return text
    }

    func string(_ key: String, default fallback: String) throws(LegacyFieldError) -> String { try self.optionalString(key) ?? fallback }

    func optionalString(_ key: String) throws(LegacyFieldError) -> String? {
        guard let value = self.value(key) else { return nil }
        guard case .string(let text) = value else { throw LegacyFieldError(reason: "\(key) is not a string") }
        return text
    }

    /// An integer: a JSON integer, or a number with no fraction (as the v2 reader took it).
    func int(_ key: String, default fallback: Int) throws(LegacyFieldError) -> Int {
        try self.optionalInt(key) ?? fallback
    }

    func optionalInt(_ key: String) throws(LegacyFieldError) -> Int? {
        guard let value = self.value(key) else { return nil }
        guard let number = value.intValue else { throw LegacyFieldError(reason: "\(key) is not an integer") }
        return number
    }

    func double(_ key: String, default fallback: Double) throws(LegacyFieldError) -> Double {
        switch self.value(key) {
        case nil: return fallback
        case .integer(let number)?: return Double(number)
        case .number(let number)?: return number
        default: throw LegacyFieldError(reason: "\(key) is not a number")
        }
    }

    func bool(_ key: String, default fallback: Bool) throws(LegacyFieldError) -> Bool {
        guard let value = self.value(key) else { return fallback }
        guard case .bool(let flag) = value else { throw LegacyFieldError(reason: "\(key) is not true or false") }
        return flag
    }

    func object(_ key: String) throws(LegacyFieldError) -> JSONObject {
        guard let object = try self.optionalObject(key) else { throw LegacyFieldError(reason: "no \(key)") }
        return object
    }

    func optionalObject(_ key: String) throws(LegacyFieldError) -> JSONObject? {
        guard let value = self.value(key) else { return nil }
        guard case .object(let object) = value else { throw LegacyFieldError(reason: "\(key) is not a JSON object") }
        return object
    }

    func document(_ key: String) throws(LegacyFieldError) -> LegacyDocument? { try self.optionalObject(key).map(LegacyDocument.init) }

    func array(_ key: String) throws(LegacyFieldError) -> [JSONValue] {
        guard let value = self.value(key) else { return [] }
        guard case .array(let items) = value else { throw LegacyFieldError(reason: "\(key) is not a JSON array") }
        return items
    }

    /// A list of strings (absent: empty).
    func strings(_ key: String) throws(LegacyFieldError) -> [String] {
        var strings: [String] = []
        for (index, item) in try self.array(key).enumerated() {
            guard case .string(let text) = item else { throw LegacyFieldError(reason: "\(key)[\(index)] is not a string") }
            strings.append(text)
        }
        return strings
    }

    /// Checks that the document's own name for the row is the row's key.
    func check(_ key: String, is expected: String) throws(LegacyFieldError) {
        let named = try self.string(key)
        guard named == expected else { throw LegacyFieldError(reason: "its \(key) '\(named)' is not the row's key '\(expected)'") }
    }
}

/// Why a v2 row cannot be converted.
struct LegacyFieldError: Error, CustomStringConvertible {
    var reason: String
    var description: String { self.reason }
}
