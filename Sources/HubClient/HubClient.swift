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

    /// The emulator that `dataDirectory` belongs to: its admin token and server roots (both, `server-roots.pem`, when
    /// the emulator wrote them: it may present either; else `server-root-ca.pem`).
    public static func forDataDirectory(_ dataDirectory: String, host: String = "127.0.0.1", port: Int = 8443) throws(HubClientError) -> HubClient {
        let tokenPath = dataDirectory + "/admin-token"
        guard let token = try? String(contentsOfFile: tokenPath, encoding: .utf8) else {
            throw .noEmulator(dataDirectory: dataDirectory)
        }
        let bundle = dataDirectory + "/server-roots.pem"
        let roots = FileManager.default.fileExists(atPath: bundle) ? bundle : dataDirectory + "/server-root-ca.pem"
        return HubClient(host: host, port: port, rootCAPath: roots, adminToken: token.trimmingCharacters(in: .whitespacesAndNewlines))
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

    /// Sends one request with the admin token and returns the emulator's response, whatever its status.
    public func request(_ method: Method, _ path: String, headers: [(String, String)] = [], body: JSONValue? = nil) async throws(HubClientError) -> Response {
        do {
            return try await self.exchange(method, path, headers: headers, body: body)
        } catch is ConnectionClosedEarly {
            throw .connectionClosed(host: self.host, port: self.port)
        } catch {
            throw .unreachable(host: self.host, port: self.port, underlying: error)
        }
    }

    private func exchange(_ method: Method, _ path: String, headers: [(String, String)], body: JSONValue?) async throws -> Response {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(self.rootCAPath)
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let serverHostname = self.host.first?.isNumber == true ? nil : self.host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseHandler(promise: promise))
                    }
                }
                .connect(host: self.host, port: self.port).get()
        } catch {
            // No handler will complete the promise; NIO's debug builds trap on a promise dropped uncompleted.
            promise.fail(error)
            throw error
        }
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
