import Crypto
import Foundation

/// A shared access signature ("Control access to IoT Hub with shared access signatures",
/// learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas, "SAS token structure"):
/// `SharedAccessSignature sr={resource}&sig={signature}&se={expiry}[&skn={policy}]`.
public struct SASToken: Equatable, Sendable {
    /// `sr` exactly as transmitted (the signature covers this text).
    public var resourceText: String
    /// `sr` percent-decoded.
    public var resource: String
    public var signature: [UInt8]
    public var expiry: Int64
    public var policy: String?

    public static func parse(_ text: String) throws(SASError) -> SASToken {
        let prefix = "SharedAccessSignature "
        guard text.hasPrefix(prefix) else { throw SASError("the password is not a SharedAccessSignature") }
        var fields: [String: String] = [:]
        // Errors name a field by its position, never by its text: a device that sends its key in place of a token
        // would otherwise have the key logged.
        for (index, pair) in text.dropFirst(prefix.count).split(separator: "&").enumerated() {
            guard let equals = pair.firstIndex(of: "=") else {
                throw SASError("SAS field \(index + 1) (\(pair.count) characters) has no '='")
            }
            let key = String(pair[..<equals])
            guard ["sr", "sig", "se", "skn"].contains(key) else {
                throw SASError("SAS field \(index + 1) is not one of sr, sig, se, skn")
            }
            fields[key] = String(pair[pair.index(after: equals)...])
        }
        guard let resourceText = fields["sr"], let sig = fields["sig"], let se = fields["se"] else {
            throw SASError("the SAS token lacks sr, sig or se")
        }
        guard let expiry = Int64(se) else { throw SASError("the SAS expiry '\(se)' is not a number") }
        guard let decodedSig = sig.removingPercentEncoding, let signature = Data(base64Encoded: decodedSig) else {
            throw SASError("the SAS signature is not base64")
        }
        return SASToken(
            resourceText: resourceText, resource: resourceText.removingPercentEncoding ?? resourceText,
            signature: Array(signature), expiry: expiry, policy: fields["skn"].map { $0.removingPercentEncoding ?? $0 })
    }

    /// Whether the signature is HMAC-SHA256(key, sr + "\n" + se) for this base64 key.
    public func isSigned(byKey base64Key: String) -> Bool {
        guard let key = Data(base64Encoded: base64Key) else { return false }
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data((self.resourceText + "\n" + String(self.expiry)).utf8), using: SymmetricKey(data: key))
        return Data(expected) == Data(self.signature)
    }

    /// Whether the decoded resource, lower-cased, is a segment-wise prefix of `target`.
    public func grants(_ target: String) -> Bool {
        let resource = self.resource.lowercased().split(separator: "/", omittingEmptySubsequences: false)
        let wanted = target.lowercased().split(separator: "/", omittingEmptySubsequences: false)
        return resource.count <= wanted.count && zip(resource, wanted).allSatisfy { $0 == $1 }
    }

    /// A token for `resource` signed with a base64 key (what SDKs and `nrfsim az` generate).
    public static func make(resource: String, base64Key: String, expiry: Int64, policy: String? = nil) -> String? {
        guard let key = Data(base64Encoded: base64Key) else { return nil }
        let encoded = percentEncodeAll(resource)
        let mac = HMAC<SHA256>.authenticationCode(for: Data((encoded + "\n" + String(expiry)).utf8), using: SymmetricKey(data: key))
        let signature = percentEncodeAll(Data(mac).base64EncodedString())
        return "SharedAccessSignature sr=\(encoded)&sig=\(signature)&se=\(expiry)" + (policy.map { "&skn=\($0)" } ?? "")
    }
}

/// Why a SAS token was refused.
public struct SASError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Percent-encodes all but the RFC 3986 unreserved characters (Python's `quote(s, safe="")`).
func percentEncodeAll(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
        default: out += String(format: "%%%02X", byte)
        }
    }
    return out
}
