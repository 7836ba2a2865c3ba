import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request, fully read: the path and query percent-decoded, the body as bytes.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, path: String, query: [String: String] = [:], headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The request `NIOHTTPServerRequestAggregator` assembled.
    public init(_ full: NIOHTTPServerRequestFull) {
        self.init(head: full.head, body: full.body.map { Array($0.readableBytesView) } ?? [])
    }

    /// A request from its head: the URI split at `?` into a decoded path and `key=value` pairs (a key without `=`
    /// maps to `""`, a repeated key keeps its last value).
    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        let components = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if components.count == 2 {
            for pair in components[1].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
                query[key] = parts.count == 2 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            }
        }
        let path = String(components[0]).removingPercentEncoding ?? String(components[0])
        self.init(method: head.method, path: path, query: query, headers: head.headers, body: body)
    }

    public func header(_ name: String) -> String? { self.headers.first(name: name) }
}
