import Foundation
import JSON
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal HTTPS client for the emulator's API (what `nrfsim az` uses): one request per connection, trusting only
/// the emulator's server root CA.
public struct HubClient: Sendable {
    public var host: String
    public var port: Int
    public var rootCAPath: String
    public var adminToken: String

    public init(host: String, port: Int, rootCAPath: String, adminToken: String) {
        self.host = host
        self.port = port
        self.rootCAPath = rootCAPath
        self.adminToken = adminToken
    }

    /// The emulator that `dataDirectory` belongs to.
    public static func forDataDirectory(_ dataDirectory: String, host: String = "127.0.0.1", port: Int = 8443) throws -> HubClient {
        let tokenPath = dataDirectory + "/admin-token"
        guard let token = try? String(contentsOfFile: tokenPath, encoding: .utf8) else {
            throw ServiceError(0, 0, "NoEmulator", "no emulator state in \(dataDirectory) (start `nrfsim hub --data-dir \(dataDirectory)`, or set NRFSIM_HUB_DIR)")
        }
        return HubClient(host: host, port: port, rootCAPath: dataDirectory + "/server-root-ca.pem", adminToken: token.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public var json: JSONValue? { try? JSONValue.parse(self.body) }
    }

    /// The request methods the API uses.
    public enum Method: String, Sendable {
        case GET, PUT, POST, PATCH, DELETE
        var http: HTTPMethod { HTTPMethod(rawValue: self.rawValue) }
    }

    public func request(_ method: Method, _ path: String, headers: [(String, String)] = [], body: JSONValue? = nil) async throws -> Response {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(self.rootCAPath)
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let collector = ResponseCollector()
        let promise = group.next().makePromise(of: Response.self)
        let serverHostname = self.host.first?.isNumber == true ? nil : self.host
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseHandler(collector: collector, promise: promise))
                }
            }
            .connect(host: self.host, port: self.port).get()
        var head = HTTPRequestHead(version: .http1_1, method: method.http, uri: path)
        let bytes = body.map { Array($0.text.utf8) } ?? []
        head.headers.add(name: "Host", value: "\(self.host):\(self.port)")
        head.headers.add(name: "Authorization", value: "Bearer \(self.adminToken)")
        head.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        head.headers.add(name: "Content-Length", value: String(bytes.count))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let response = try await promise.futureResult.get()
        try? await channel.close()
        return response
    }
}

final class ResponseCollector: @unchecked Sendable {
    var status = 0
    var headers: [(String, String)] = []
    var body: [UInt8] = []
}

final class ResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let collector: ResponseCollector
    let promise: EventLoopPromise<HubClient.Response>

    init(collector: ResponseCollector, promise: EventLoopPromise<HubClient.Response>) {
        self.collector = collector
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.collector.status = Int(head.status.code)
            self.collector.headers = head.headers.map { ($0.name, $0.value) }
        case .body(var buffer):
            self.collector.body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            self.promise.succeed(HubClient.Response(status: self.collector.status, headers: self.collector.headers, body: self.collector.body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ServiceError(0, 0, "ConnectionClosed", "the emulator closed the connection"))
    }
}
