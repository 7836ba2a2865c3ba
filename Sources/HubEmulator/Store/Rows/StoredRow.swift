import GRDB

/// One row type of the SQLite store: a GRDB record (`Codable`, decoded and encoded by GRDB, column names from the
/// coding keys; GRDB README, "Codable Records") mapped to and from the model type the hub's parts use.
protocol StoredRow: Codable, FetchableRecord, PersistableRecord {
    associatedtype Model

    /// The row's key as an error names it (`myhub/dev1`), read from the raw row's key columns, so that a row whose
    /// other columns do not decode is still named.
    static func key(of row: Row) -> String

    /// The model value; throws when a column holds a value the model cannot take.
    func model() throws(StoredRowError) -> Model
}

/// A stored column whose value the model cannot take (an unknown authentication type, a SAS device without keys).
struct StoredRowError: Error, CustomStringConvertible {
    var column: String
    var reason: String

    var description: String { "column \(self.column): \(self.reason)" }
}

extension StoredRow {
    /// Decodes `row` and maps it to the model; a row that does not decode is an error naming the table and key.
    static func model(of row: Row) throws(HubStoreError) -> Model {
        do {
            return try Self(row: row).model()
        } catch {
            let reason = describeDecodingFailure(error, columns: Array(row.columnNames))
            throw .corruptRow(table: Self.databaseTableName, key: Self.key(of: row), reason: reason)
        }
    }
}

/// The text of a key column for an error message (its value as stored, whatever its type).
func keyText(_ row: Row, _ column: String) -> String {
    let value: DatabaseValue = row[column]
    switch value.storage {
    case .string(let text): return text
    case .int64(let number): return String(number)
    default: return value.description
    }
}

/// Why a row did not decode, without the row's values (GRDB's `RowDecodingError` prints the whole row, and a device
/// row holds its SAS keys). A decoding error's path starts with the column when a ``JSONValueColumn`` or
/// ``JSONObjectColumn`` failed; GRDB's JSON decoding of a nested value gives the path inside the JSON only.
func describeDecodingFailure(_ error: any Error, columns: [String]) -> String {
    func place(_ context: DecodingError.Context) -> String {
        guard let first = context.codingPath.first else { return "" }
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return columns.contains(first.stringValue) ? "column \(path): " : "in a JSON column at \(path): "
    }
    switch error {
    case let error as StoredRowError:
        return error.description
    case DecodingError.dataCorrupted(let context):
        return "\(place(context))\(context.debugDescription)"
    case DecodingError.keyNotFound(let key, let context):
        return "\(place(context))no \(key.stringValue)"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        return "\(place(context))\(context.debugDescription)"
    case is RowDecodingError:
        return "a column does not hold a value of its type"
    default:
        return "\(error)"
    }
}
