import Foundation
import GRDB

/// A row of `c2d`: a queued cloud-to-device message. `sequence` is the queue order (AUTOINCREMENT: never reused);
/// nil only before the row is inserted. The properties are one JSON column, in order: `[["key", "value"|null], …]`.
struct C2DRow: StoredRow {
    static let databaseTableName = "c2d"

    /// One application or system property: a `[key, value]` pair (the value may be null).
    struct Property: Codable, Equatable {
        var key: String
        var value: String?

        init(key: String, value: String?) {
            self.key = key
            self.value = value
        }

        init(from decoder: any Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            guard pair.count == 2 else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "a property is a [key, value] pair"))
            }
            self.key = try pair.decode(String.self)
            self.value = try pair.decodeIfPresent(String.self)
        }

        func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(self.key)
            if let value { try pair.encode(value) } else { try pair.encodeNil() }
        }
    }

    var sequence: Int64?
    var hub: String
    var device: String
    var messageId: String
    var properties: [Property]
    var body: Data
    /// Unix time after which the message expires.
    var expiresAt: Int64
    var deliveryCount: Int

    init(_ message: C2DMessage, hub: String, device: String) {
        self.sequence = nil
        self.hub = hub
        self.device = device
        self.messageId = message.messageID
        self.properties = message.properties.map { Property(key: $0.key, value: $0.value) }
        self.body = Data(message.body)
        self.expiresAt = message.expiresAt
        self.deliveryCount = message.deliveryCount
    }

    static func key(of row: Row) -> String { keyText(row, "sequence") }

    func model() throws(StoredRowError) -> C2DMessage {
        guard let sequence else { throw StoredRowError(column: "sequence", reason: "no sequence") }
        return C2DMessage(
            sequence: sequence, messageID: self.messageId, properties: self.properties.map { ($0.key, $0.value) }, body: Array(self.body),
            expiresAt: self.expiresAt, deliveryCount: self.deliveryCount)
    }
}

/// A row of `session`: a persistent MQTT session's subscriptions (a JSON array of topic filters).
struct SessionRow: StoredRow {
    static let databaseTableName = "session"

    var hub: String
    var client: String
    var subscriptions: [String]

    static func key(of row: Row) -> String { "\(keyText(row, "hub"))/\(keyText(row, "client"))" }

    func model() -> [String] { self.subscriptions }
}
