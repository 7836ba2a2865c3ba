import Foundation
import JSON
import Logging
import NIOCore
import NIOHTTP1

/// The service REST API that `azure-iot-hub` 2.7.0 uses (the IoT Hub REST reference,
/// learn.microsoft.com/rest/api/iothub: devices, twins, direct methods, query), and the admin API behind `nrfsim az`.
/// Service calls authenticate with a policy SAS token; admin calls with the data directory's token.
public struct ServiceAPI: Sendable {
    public let core: HubCore
    public let provisioning: ProvisioningService
    public let adminToken: String
    public let blobs: BlobStore
    /// What blob reads show instead of being served (`nrfsim hub --blob-fault`; nil: none).
    public let blobFault: BlobFault?
    /// The listeners' TLS contexts, whose presented root the admin API switches (nil: not served here).
    public let serverTLS: ServerTLSContexts?
    let logger: Logger

    public init(
        core: HubCore, provisioning: ProvisioningService, adminToken: String, blobs: BlobStore, blobFault: BlobFault? = nil,
        serverTLS: ServerTLSContexts? = nil, logger: Logger
    ) {
        self.serverTLS = serverTLS
        self.core = core
        self.provisioning = provisioning
        self.adminToken = adminToken
        self.blobs = blobs
        self.blobFault = blobFault
        self.logger = logger
    }

    /// The response to one request. The HTTPS server calls this on its thread pool, never on an event loop,
    /// because the registry and twin routes block on SQLite (see ``HTTPRouter``); the futures it returns are made
    /// on `eventLoop`, the connection's, where a method call or the telemetry stream completes later.
    public func route(_ request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        do {
            if let account = Self.blobAccount(request) {
                return eventLoop.makeSucceededFuture(try self.blobRead(request, account: account))
            }
            let segments = request.path.split(separator: "/").map(String.init)
            if segments.first == "admin" {
                try self.authorizeAdmin(request)
                return try self.admin(request, Array(segments.dropFirst()), on: eventLoop)
            }
            let (hub, operation) = try self.authorize(request)
            return try self.service(request, operation, hub: hub, on: eventLoop)
        } catch {
            return eventLoop.makeFailedFuture(self.logged(error, request))
        }
    }

    /// The admin API's check: the data directory's admin token.
    func authorizeAdmin(_ request: HTTPRequest) throws(IoTHubError) {
        guard request.header("Authorization") == "Bearer \(self.adminToken)" else {
            throw .unauthorized("the admin API needs the data directory's admin token")
        }
    }

    /// The check of a request's head, before its body is read: a blob read is anonymous, the admin API needs the
    /// admin token, a service call a token that ``authorize(_:)`` accepts.
    public func checkHead(_ request: HTTPRequest) -> IoTHubError? {
        if Self.blobAccount(request) != nil { return nil }
        do throws(IoTHubError) {
            if request.path.split(separator: "/").first == "admin" {
                try self.authorizeAdmin(request)
            } else {
                _ = try self.authorize(request)
            }
            return nil
        } catch {
            return error
        }
    }

    /// A store failure refuses the request (500, IoT Hub's error body) and is logged; other errors are the client's.
    func logged(_ error: any Error, _ request: HTTPRequest) -> any Error {
        if let failure = error as? HubStoreError {
            self.logger.error("request refused: \(failure)", metadata: ["method": "\(request.method)", "path": "\(request.path)"])
        }
        return error
    }

    /// The hub a service call is for, with its operation, when its `Authorization` allows it: the admin token with
    /// `x-nrfsim-hub` (as `nrfsim az` calls), or a policy SAS token (see ``ServiceAuthorizer``).
    func authorize(_ request: HTTPRequest) throws(IoTHubError) -> (hub: String, operation: ServiceOperation) {
        let operation = try ServiceOperation(method: request.method, path: request.path)
        let header = request.header("Authorization")
        if header == "Bearer \(self.adminToken)", let hub = request.header("x-nrfsim-hub") { return (hub, operation) }
        let hub = try ServiceAuthorizer(hubs: { self.core.hubRecords }).authorize(
            operation, path: request.path, authorization: header, host: request.header("Host"))
        return (hub, operation)
    }

    func body(_ request: HTTPRequest) throws -> JSONValue {
        do {
            return try JSONValue.parse(request.body, limits: self.core.jsonLimits)
        } catch {
            throw IoTHubError.argumentInvalid("\(error)")
        }
    }

    // MARK: Service API

    func service(_ request: HTTPRequest, _ operation: ServiceOperation, hub: String, on eventLoop: any EventLoop) throws -> EventLoopFuture<HTTPResponse> {
        let ok = { (value: JSONValue) in eventLoop.makeSucceededFuture(HTTPResponse.json(value)) }
        try self.core.admit(operation.throttled(bodyBytes: request.body.count), hub: hub)
        switch operation {
        case .putDevice(let id):
            let device = try self.core.putDevice(hub: hub, id: id, body: try self.body(request), ifMatch: request.header("If-Match"))
            return ok(try self.core.deviceJSON(hub: hub, id: device.deviceID))
        case .getDevice(let id):
            return ok(try self.core.deviceJSON(hub: hub, id: id))
        case .deleteDevice(let id):
            try self.core.deleteDevice(hub: hub, id: id, ifMatch: request.header("If-Match"))
            return eventLoop.makeSucceededFuture(HTTPResponse(status: .noContent))
        case .listDevices:
            let top = Int(request.query["top"] ?? "") ?? 1000
            return ok(.array(try self.core.devices(hub: hub).prefix(top).map { try self.core.deviceJSON(hub: hub, id: $0.deviceID) }))
        case .purgeCloudToDevice(let id):
            let count = try self.core.purgeCloudToDevice(hub: hub, id: id)
            return ok(.object(JSONObject([("totalMessagesPurged", .integer(Int64(count))), ("deviceId", .string(id)), ("moduleId", .null)])))
        case .queryTwins:
            return eventLoop.makeSucceededFuture(try self.query(request, hub: hub))
        case .getTwin(let id):
            return ok(try self.core.twinJSON(hub: hub, id: id))
        case .updateTwin(let id, let replace):
            return ok(try self.core.patchTwin(hub: hub, id: id, body: try self.body(request), ifMatch: request.header("If-Match"), replace: replace))
        case .invokeMethod(let id):
            let body = try self.body(request)
            guard let name = body["methodName"]?.stringValue, !name.isEmpty else {
                throw IoTHubError.argumentInvalid("methodName is required")
            }
            let timeout = body["responseTimeoutInSeconds"]?.intValue ?? 30
            let connectTimeout = body["connectTimeoutInSeconds"]?.intValue ?? 0
            return self.core.invokeMethod(
                hub: hub, id: id, name: name, payload: body["payload"] ?? .null, timeoutSeconds: timeout,
                connectTimeoutSeconds: connectTimeout, on: eventLoop)
                .map { status, payload in .json(.object(JSONObject([("status", .integer(Int64(status))), ("payload", payload)]))) }
        case .deviceStatistics:
            let devices = try self.core.devices(hub: hub)
            return ok(.object(JSONObject([
                ("totalDeviceCount", .integer(Int64(devices.count))),
                ("enabledDeviceCount", .integer(Int64(devices.filter(\.enabled).count))),
                ("disabledDeviceCount", .integer(Int64(devices.filter { !$0.enabled }.count))),
            ])))
        }
    }

    /// `POST /devices/query`: `SELECT * | COUNT() AS n FROM devices [WHERE …]`, paged with x-ms-max-item-count.
    func query(_ request: HTTPRequest, hub: String) throws -> HTTPResponse {
        guard let text = try self.body(request)["query"]?.stringValue else {
            throw IoTHubError.argumentInvalid("the body has no query")
        }
        let query = try TwinQuery.parse(text)
        let twins = try self.core.devices(hub: hub).map { try self.core.twinJSON(hub: hub, id: $0.deviceID) }
        let matching = twins.filter { query.matches($0) }
        if query.countAlias != nil {
            let row = JSONValue.object(JSONObject([(query.countAlias!, .integer(Int64(matching.count)))]))
            return .json(.array([row]), headers: [("x-ms-item-type", "raw")])
        }
        let start = Int(request.header("x-ms-continuation") ?? "") ?? 0
        let size = max(1, min(1000, Int(request.header("x-ms-max-item-count") ?? "") ?? 100))
        let page = Array(matching.dropFirst(start).prefix(size))
        var headers = [("x-ms-item-type", "twin")]
        if start + page.count < matching.count { headers.append(("x-ms-continuation", String(start + page.count))) }
        return .json(.array(page), headers: headers)
    }
}
