import Foundation
import JSON
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import HubEmulator

/// One plaintext HTTP/1.1 connection through the server's own handlers (everything after TLS), in an
/// `NIOAsyncTestingChannel`: raw request bytes in, raw response bytes out, no sockets.
final class TestConnection {
    let channel = NIOAsyncTestingChannel()
    private var received: [UInt8] = []

    init(router: HTTPRouter, limits: Limits = Limits(), checkHead: @escaping HTTPHeadCheck = { _ in nil }) async throws {
        let channel = self.channel
        try await channel.testingEventLoop.executeInContext {
            try HTTPSServer.addHTTPHandlers(
                to: channel.pipeline.syncOperations, router: router, limits: limits, awaitsHandshake: false, logger: HTTPTestHub.logger,
                checkHead: checkHead)
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8443)).get()
    }

    func send(_ text: String) async throws { try await self.send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeInbound(self.channel.allocator.buffer(bytes: bytes))
    }

    /// The next whole response (framed by its `Content-Length`) as text.
    func response() async throws -> String {
        while true {
            if let end = self.received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                let head = String(decoding: self.received[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if self.received.count >= end + length {
                    let response = String(decoding: self.received[..<(end + length)], as: UTF8.self)
                    self.received.removeFirst(end + length)
                    return response
                }
            }
            let data = try await self.channel.waitForOutboundWrite(as: IOData.self)
            guard case .byteBuffer(let buffer) = data else { Issue.record("a file region was written"); return "" }
            self.received += buffer.readableBytesView
        }
    }

    /// The JSON body of a response text.
    static func body(_ response: String) -> JSONValue? {
        guard let range = response.range(of: "\r\n\r\n") else { return nil }
        return try? JSONValue.parse(String(response[range.upperBound...]))
    }
}

/// The HTTP layer on the wire: response bytes as `azure-iot-hub` and `nrfsim az` read them, the aggregator's
/// 8 MiB limit answered in IoT Hub's error shape, keep-alive and `Connection: close`.
@Suite("HTTP pipeline", .timeLimit(.minutes(1)))
struct HTTPPipelineTests {
    /// A route that answers every request with a fixed JSON document, or with its body's size for `/size`.
    static let fixedRoute: HTTPRoute = { request, loop in
        if request.path == "/size" {
            return loop.makeSucceededFuture(.json(.integer(Int64(request.body.count))))
        }
        if request.method == .DELETE { return loop.makeSucceededFuture(HTTPResponse(status: .noContent)) }
        return loop.makeSucceededFuture(.json(.object(JSONObject([("a", .integer(1))])), headers: [("x-ms-item-type", "twin")]))
    }

    @Test("a response is written as its headers in order, then Content-Length, then the body")
    func responseBytes() async throws {
        try await HTTPTestHub.with(route: Self.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router)
            try await connection.send("GET /twins/x?api-version=2021-04-12 HTTP/1.1\r\nHost: hub1.azure-devices.net\r\n\r\n")
            #expect(try await connection.response() == """
                HTTP/1.1 200 OK\r
                Content-Type: application/json; charset=utf-8\r
                x-ms-item-type: twin\r
                Content-Length: 7\r
                \r
                {"a":1}
                """)
            try await connection.send("DELETE /devices/x HTTP/1.1\r\nHost: hub1.azure-devices.net\r\n\r\n")
            // NIO's response encoder drops the framing headers of a 204, which has no body (RFC 9110 §8.6).
            #expect(try await connection.response() == "HTTP/1.1 204 No Content\r\n\r\n")
            #expect(connection.channel.isActive)
        }
    }

    @Test("a request that does not keep the connection alive is answered with Connection: close, then closed")
    func connectionClose() async throws {
        try await HTTPTestHub.with(route: Self.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router)
            try await connection.send("GET /twins/x HTTP/1.0\r\n\r\n")
            #expect(try await connection.response() == """
                HTTP/1.0 200 OK\r
                Content-Type: application/json; charset=utf-8\r
                x-ms-item-type: twin\r
                Content-Length: 7\r
                Connection: close\r
                \r
                {"a":1}
                """)
            try await connection.channel.closeFuture.get()
        }
    }

    @Test("the service API's errors on the wire: 401, 404 and 400 with iothub-errorcode and IoT Hub's JSON body")
    func serviceErrors() async throws {
        try await HTTPTestHub.with { hub in
            let connection = try await TestConnection(router: hub.router)
            let token = hub.ownerToken()

            try await connection.send("GET /devices/dev1 HTTP/1.1\r\nHost: hub1.azure-devices.net\r\n\r\n")
            let unauthorized = try await connection.response()
            #expect(unauthorized.hasPrefix("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json; charset=utf-8\r\niothub-errorcode: IotHubUnauthorizedAccess\r\nContent-Length: "))
            #expect(TestConnection.body(unauthorized)?["Message"]?.stringValue == "ErrorCode:IotHubUnauthorizedAccess;no Authorization header")

            try await connection.send("GET /no/such/route HTTP/1.1\r\nAuthorization: \(token)\r\n\r\n")
            let notFound = try await connection.response()
            #expect(notFound.hasPrefix("HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\niothub-errorcode: NotFound\r\n"))
            #expect(TestConnection.body(notFound)?["Message"]?.stringValue == "ErrorCode:NotFound;no service operation GET /no/such/route")

            let bad = "{\"deviceId\":"
            try await connection.send("PUT /devices/dev1 HTTP/1.1\r\nAuthorization: \(token)\r\nContent-Length: \(bad.utf8.count)\r\n\r\n\(bad)")
            let badRequest = try await connection.response()
            #expect(badRequest.hasPrefix("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\niothub-errorcode: ArgumentInvalid\r\n"))

            let good = "{\"deviceId\":\"dev1\"}"
            try await connection.send("PUT /devices/dev1 HTTP/1.1\r\nAuthorization: \(token)\r\nContent-Length: \(good.utf8.count)\r\n\r\n\(good)")
            let created = try await connection.response()
            #expect(created.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "))
            #expect(TestConnection.body(created)?["deviceId"]?.stringValue == "dev1")
        }
    }

    @Test("a body of exactly 8 MiB reaches the route whole")
    func bodyAtTheLimit() async throws {
        try await HTTPTestHub.with(route: Self.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router)
            try await connection.send("PUT /size HTTP/1.1\r\nContent-Length: \(Limits().maximumRequestBody)\r\n\r\n")
            try await connection.send([UInt8](repeating: 0x41, count: Limits().maximumRequestBody))
            let response = try await connection.response()
            #expect(TestConnection.body(response) == .integer(Int64(Limits().maximumRequestBody)))
        }
    }

    @Test("a Content-Length over 8 MiB is answered 413 MessageTooLarge at once; the connection goes on")
    func oversizedContentLength() async throws {
        try await HTTPTestHub.with(route: Self.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router)
            let size = Limits().maximumRequestBody + 1
            try await connection.send("PUT /size HTTP/1.1\r\nContent-Length: \(size)\r\n\r\n")
            let response = try await connection.response()
            #expect(response.hasPrefix("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json; charset=utf-8\r\niothub-errorcode: MessageTooLarge\r\nContent-Length: "))
            #expect(!response.contains("Connection: close"))
            let message = TestConnection.body(response)?["Message"]?.stringValue
            #expect(message == "ErrorCode:MessageTooLarge;the request body is over the 8 MiB limit")
            #expect(TestConnection.body(response)?["ExceptionMessage"]?.stringValue?.hasPrefix("Tracking ID:") == true)

            // The aggregator reads and drops the body; the next request on the connection is served.
            try await connection.send([UInt8](repeating: 0x41, count: size))
            try await connection.send("PUT /size HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")
            #expect(TestConnection.body(try await connection.response()) == .integer(2))
            #expect(connection.channel.isActive)
        }
    }

    @Test("a chunked body that grows over 8 MiB is answered 413 with Connection: close, then the connection closes")
    func oversizedChunkedBody() async throws {
        try await HTTPTestHub.with(route: Self.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router)
            let size = Limits().maximumRequestBody + 1
            try await connection.send("PUT /size HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(String(size, radix: 16))\r\n")
            try await connection.send([UInt8](repeating: 0x41, count: size))
            let response = try await connection.response()
            #expect(response.hasPrefix("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json; charset=utf-8\r\niothub-errorcode: MessageTooLarge\r\nContent-Length: "))
            #expect(response.contains("\r\nConnection: close\r\n\r\n"))
            #expect(TestConnection.body(response)?["Message"]?.stringValue == "ErrorCode:MessageTooLarge;the request body is over the 8 MiB limit")
            try await connection.channel.closeFuture.get()
        }
    }
}
