import Foundation
import JSON
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP request, fully read.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public func header(_ name: String) -> String? { self.headers.first(name: name) }
}

/// An HTTP response.
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
    public static func error(_ error: ServiceError) -> HTTPResponse {
        let body = JSONValue.object(JSONObject([
            ("Message", .string("ErrorCode:\(error.name);\(error.message)")),
            ("ExceptionMessage", .string("Tracking ID:\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))-G:0-TimeStamp:\(iso8601(Date()))")),
        ]))
        return .json(body, status: HTTPResponseStatus(statusCode: error.status), headers: [("iothub-errorcode", error.name)])
    }
}

/// A TLS HTTP/1.1 server that reads whole requests (up to a limit) and answers each with a router's future.
public enum HTTPSServer {
    /// Large enough for a firmware image uploaded as base64 JSON.
    public static let maximumBody = 8 * 1024 * 1024

    public static func start(
        pki: ServerPKI, host: String, port: Int, group: any EventLoopGroup, logger: Logger,
        route: @escaping @Sendable (HTTPRequest, any EventLoop) -> EventLoopFuture<HTTPResponse>
    ) async throws -> any Channel {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(pki.certificateChainPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(pki.privateKeyPEM.utf8), format: .pem)))
        let context = try NIOSSLContext(configuration: configuration)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(route: route, logger: logger))
                }
            }
            .bind(host: host, port: port).get()
    }
}

final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let route: @Sendable (HTTPRequest, any EventLoop) -> EventLoopFuture<HTTPResponse>
    let logger: Logger
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var tooLarge = false

    init(route: @escaping @Sendable (HTTPRequest, any EventLoop) -> EventLoopFuture<HTTPResponse>, logger: Logger) {
        self.route = route
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = []
            self.tooLarge = false
        case .body(var buffer):
            if self.body.count + buffer.readableBytes > HTTPSServer.maximumBody {
                self.tooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                self.body += bytes
            }
        case .end:
            guard let head = self.head else { return }
            let keepAlive = head.isKeepAlive
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
            let request = HTTPRequest(method: head.method, path: path, query: query, headers: head.headers, body: self.body)
            let future: EventLoopFuture<HTTPResponse>
            if self.tooLarge {
                future = context.eventLoop.makeSucceededFuture(.error(ServiceError(413, 413001, "MessageTooLarge", "the request body is over 1 MB")))
            } else {
                future = self.route(request, context.eventLoop)
            }
            let logger = self.logger
            future.hop(to: context.eventLoop).whenComplete { result in
                let response: HTTPResponse
                switch result {
                case .success(let value): response = value
                case .failure(let error as ServiceError): response = .error(error)
                case .failure(let error): response = .error(ServiceError(500, 500001, "ServerError", "\(error)"))
                }
                logger.debug("http", metadata: ["method": "\(head.method)", "path": "\(path)", "status": "\(response.status.code)"])
                var headers = HTTPHeaders(response.headers)
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: response.body.count)
                buffer.writeBytes(response.body)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { context.close(promise: nil) }
                }
            }
            self.head = nil
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("http connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
