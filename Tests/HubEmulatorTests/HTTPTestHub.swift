import Foundation
import JSON
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import HubEmulator

/// A hub emulator's HTTP side without sockets: a store in a temporary directory, one hub (`hub1`), the service API
/// and its router on a one-thread event loop group and a thread pool, torn down by ``with(_:)``.
struct HTTPTestHub {
    static let adminToken = "test-admin-token"
    /// Logs nowhere: the routes' info lines would drown the test output.
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let api: ServiceAPI
    let router: HTTPRouter
    let group: MultiThreadedEventLoopGroup
    let hub: HubRecord

    /// Runs `body` with a fresh hub, then shuts the pool and the loop down.
    static func with<T>(route: HTTPRoute? = nil, _ body: (HTTPTestHub) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "http-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Self.logger
        let store = try SQLiteHubStore(path: directory + "/hub.sqlite")
        let core = try HubCore(store: store, logger: logger)
        let provisioning = try ProvisioningService(hubCore: core, store: store, logger: logger)
        let hub = try core.createHub(name: "hub1")
        let api = ServiceAPI(
            core: core, provisioning: provisioning, adminToken: Self.adminToken, blobs: BlobStore(directory: directory + "/blobs"),
            logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let fixture = HTTPTestHub(
            api: api, router: HTTPRouter(route: route ?? { api.route($0, on: $1) }, threadPool: pool), group: group, hub: hub)
        do {
            let result = try await body(fixture)
            try await pool.shutdownGracefully()
            try await group.shutdownGracefully()
            return result
        } catch {
            try? await pool.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The router's response to `request`, on the group's event loop.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await self.router.respond(to: request, on: self.group.next()).get()
    }

    /// A service request for `hub1`, signed with its `iothubowner` policy key unless `authorization` is given.
    func service(
        _ method: HTTPMethod, _ path: String, json: String? = nil, query: [String: String] = [:],
        headers: [(String, String)] = [], authorization: String?? = .none
    ) -> HTTPRequest {
        var all = HTTPHeaders(headers)
        switch authorization {
        case .none: all.add(name: "Authorization", value: self.ownerToken())
        case .some(.some(let value)): all.add(name: "Authorization", value: value)
        case .some(.none): break
        }
        return HTTPRequest(method: method, path: path, query: query, headers: all, body: Array((json ?? "").utf8))
    }

    /// A SAS token for the hub, as the `azure-iot-hub` SDK makes it from a connection string.
    func ownerToken(key: String? = nil, expiry: Int64 = Int64(Date().timeIntervalSince1970) + 3600) -> String {
        SASToken.make(
            resource: self.hub.hostname, base64Key: key ?? self.hub.policies["iothubowner"]!.primary, expiry: expiry,
            policy: "iothubowner")!
    }
}

extension HTTPResponse {
    /// The body parsed as JSON.
    var json: JSONValue? { try? JSONValue.parse(self.body) }

    func header(_ name: String) -> String? { self.headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// IoT Hub's error code: the `iothub-errorcode` header, which must agree with the body's `ErrorCode:` prefix.
    var errorCode: String? {
        guard let code = self.header("iothub-errorcode"), let message = self.json?["Message"]?.stringValue,
            message.hasPrefix("ErrorCode:\(code);"), self.json?["ExceptionMessage"]?.stringValue?.hasPrefix("Tracking ID:") == true
        else { return nil }
        return code
    }
}
