import Foundation

extension Credential {
    private enum CodingKeys: String, CodingKey {
        case tag, type, content, sha, readOnly
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let encoded = try container.decode(String.self, forKey: .content)
        guard let content = Data(base64Encoded: encoded) else {
            throw DecodingError.dataCorruptedError(forKey: .content, in: container, debugDescription: "not base64")
        }
        self.init(
            tag: try container.decode(UInt32.self, forKey: .tag),
            type: try container.decode(CredentialType.self, forKey: .type),
            content: Array(content),
            readOnly: try container.decode(Bool.self, forKey: .readOnly))
        guard try container.decode(String.self, forKey: .sha) == self.sha else {
            throw DecodingError.dataCorruptedError(
                forKey: .sha, in: container, debugDescription: "stored SHA does not match the content")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.tag, forKey: .tag)
        try container.encode(self.type, forKey: .type)
        try container.encode(Data(self.content).base64EncodedString(), forKey: .content)
        try container.encode(self.sha, forKey: .sha)
        try container.encode(self.readOnly, forKey: .readOnly)
    }
}
