import Foundation
import JSON
import NIOCore
import NIOHTTP1

/// An HTTP response, as a route answers it; the server adds `Content-Length` (and `Connection: close`).
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: [(String, String)] = []
    public var body: [UInt8] = []

    public init(status: HTTPResponseStatus, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: Array(value.text.utf8))
    }

    /// IoT Hub's error shape: `iothub-errorcode` header and `{"Message":"ErrorCode:…;…","ExceptionMessage":…}`.
    public static func error(_ error: IoTHubError) -> HTTPResponse {
        let body = JSONValue.object(JSONObject([
            ("Message", .string("ErrorCode:\(error.name);\(error.message)")),
            ("ExceptionMessage", .string("Tracking ID:\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))-G:0-TimeStamp:\(iso8601(Date()))")),
        ]))
        return .json(body, status: HTTPResponseStatus(statusCode: error.status), headers: [("iothub-errorcode", error.name)])
    }

    /// The head and body this response is written as: its own headers in order, then `Content-Length` (replacing a
    /// route's own), then `Connection: close` when the connection is not kept alive.
    func encoded(version: HTTPVersion, keepAlive: Bool, allocator: ByteBufferAllocator) -> (head: HTTPResponseHead, body: ByteBuffer) {
        var headers = HTTPHeaders(self.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(self.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        var buffer = allocator.buffer(capacity: self.body.count)
        buffer.writeBytes(self.body)
        return (HTTPResponseHead(version: version, status: self.status, headers: headers), buffer)
    }
}

extension IoTHubError {
    /// 413 for a request body over `limit` bytes.
    static func bodyTooLarge(limit: Int) -> IoTHubError {
        .messageTooLarge("the request body is over the \(limit / (1024 * 1024)) MiB limit")
    }
}
