import Foundation
import JSON
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import HubEmulator

/// The service and admin routes through ``HTTPRouter``, as the HTTPS server calls them: the route on the thread
/// pool, its response on the event loop, errors in IoT Hub's shape.
@Suite("HTTP routes")
struct HTTPRouteTests {
    @Test("a device is created, read, replaced and deleted, with If-Match checked against its etag")
    func deviceLifecycle() async throws {
        try await HTTPTestHub.with { hub in
            let created = try await hub.send(hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1"}"#))
            #expect(created.status == .ok)
            #expect(created.header("Content-Type") == "application/json; charset=utf-8")
            #expect(created.json?["deviceId"]?.stringValue == "dev1")
            let etag = try #require(created.json?["etag"]?.stringValue)

            let again = try await hub.send(hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1"}"#))
            #expect(again.status == .conflict)
            #expect(again.errorCode == "DeviceAlreadyExists")

            let stale = try await hub.send(
                hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1","status":"disabled"}"#, headers: [("If-Match", "\"nope\"")]))
            #expect(stale.status == .preconditionFailed)
            #expect(stale.errorCode == "PreconditionFailed")

            let replaced = try await hub.send(
                hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1","status":"disabled"}"#, headers: [("If-Match", "\"\(etag)\"")]))
            #expect(replaced.status == .ok)
            #expect(replaced.json?["status"]?.stringValue == "disabled")
            let newEtag = try #require(replaced.json?["etag"]?.stringValue)
            #expect(newEtag != etag)

            let read = try await hub.send(hub.service(.GET, "/devices/dev1"))
            #expect(read.status == .ok)
            #expect(read.json?["etag"]?.stringValue == newEtag)

            let staleDelete = try await hub.send(hub.service(.DELETE, "/devices/dev1", headers: [("If-Match", "\"\(etag)\"")]))
            #expect(staleDelete.status == .preconditionFailed)
            #expect(staleDelete.errorCode == "PreconditionFailed")

            let deleted = try await hub.send(hub.service(.DELETE, "/devices/dev1", headers: [("If-Match", "\"\(newEtag)\"")]))
            #expect(deleted.status == .noContent)
            #expect(deleted.body.isEmpty)

            let gone = try await hub.send(hub.service(.GET, "/devices/dev1"))
            #expect(gone.status == .notFound)
            #expect(gone.errorCode == "DeviceNotFound")
        }
    }

    @Test("a twin is read and patched; a stale twin etag is refused with 412")
    func twin() async throws {
        try await HTTPTestHub.with { hub in
            _ = try await hub.send(hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1"}"#))
            let twin = try await hub.send(hub.service(.GET, "/twins/dev1"))
            #expect(twin.status == .ok)
            #expect(twin.json?["deviceId"]?.stringValue == "dev1")
            let etag = try #require(twin.json?["etag"]?.stringValue)
            let version = try #require(twin.json?["version"]?.intValue)

            let patched = try await hub.send(
                hub.service(.PATCH, "/twins/dev1", json: #"{"properties":{"desired":{"interval":5}}}"#, headers: [("If-Match", "*")]))
            #expect(patched.status == .ok)
            #expect(patched.json?["properties"]?["desired"]?["interval"]?.intValue == 5)
            #expect(patched.json?["version"]?.intValue == version + 1)

            let stale = try await hub.send(
                hub.service(.PATCH, "/twins/dev1", json: #"{"properties":{"desired":{"interval":6}}}"#, headers: [("If-Match", "\"\(etag)\"")]))
            #expect(stale.status == .preconditionFailed)
            #expect(stale.errorCode == "PreconditionFailed")

            let missing = try await hub.send(hub.service(.GET, "/twins/nobody"))
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "DeviceNotFound")
        }
    }

    @Test("a body that is not JSON is refused with 400 ArgumentInvalid")
    func malformedJSON() async throws {
        try await HTTPTestHub.with { hub in
            for (method, path) in [(HTTPMethod.PUT, "/devices/dev1"), (.POST, "/devices/query")] {
                let response = try await hub.send(hub.service(method, path, json: "{\"deviceId\": "))
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "ArgumentInvalid")
            }
        }
    }

    @Test("an unknown route is 404 NotFound naming the method and path")
    func unknownRoute() async throws {
        try await HTTPTestHub.with { hub in
            let service = try await hub.send(hub.service(.GET, "/nothing/here"))
            #expect(service.status == .notFound)
            #expect(service.errorCode == "NotFound")
            #expect(service.json?["Message"]?.stringValue == "ErrorCode:NotFound;no service operation GET /nothing/here")

            let admin = try await hub.send(
                HTTPRequest(method: .GET, path: "/admin/nothing", headers: ["Authorization": "Bearer \(HTTPTestHub.adminToken)"]))
            #expect(admin.status == .notFound)
            #expect(admin.json?["Message"]?.stringValue == "ErrorCode:NotFound;no admin operation GET /admin/nothing")
        }
    }

    @Test("a missing, malformed, foreign or expired Authorization is 401 IotHubUnauthorizedAccess")
    func unauthorized() async throws {
        try await HTTPTestHub.with { hub in
            let foreignKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let refused: [String?] = [
                nil, "Basic dXNlcjpwYXNz", "SharedAccessSignature sr=hub1.azure-devices.net", hub.ownerToken(key: foreignKey),
                hub.ownerToken(expiry: Int64(Date().timeIntervalSince1970) - 60), "Bearer \(HTTPTestHub.adminToken)",
            ]
            for authorization in refused {
                let response = try await hub.send(hub.service(.GET, "/devices", authorization: .some(authorization)))
                #expect(response.status == .unauthorized, "\(authorization ?? "no header")")
                #expect(response.errorCode == "IotHubUnauthorizedAccess")
            }
            for authorization in [nil, "Bearer wrong"] {
                var request = HTTPRequest(method: .GET, path: "/admin/hubs")
                if let authorization { request.headers.add(name: "Authorization", value: authorization) }
                let response = try await hub.send(request)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "IotHubUnauthorizedAccess")
            }

            let signed = try await hub.send(hub.service(.GET, "/devices"))
            #expect(signed.status == .ok)
            let admin = try await hub.send(
                hub.service(.GET, "/devices", headers: [("x-nrfsim-hub", "hub1")], authorization: "Bearer \(HTTPTestHub.adminToken)"))
            #expect(admin.status == .ok)
            #expect(admin.json == .array([]))
        }
    }

    @Test("routes that complete later answer through the router: the telemetry wait and an offline method call")
    func laterCompletion() async throws {
        try await HTTPTestHub.with { hub in
            let events = try await hub.send(
                HTTPRequest(
                    method: .GET, path: "/admin/hubs/hub1/events", query: ["timeoutMs": "50"],
                    headers: ["Authorization": "Bearer \(HTTPTestHub.adminToken)"]))
            #expect(events.status == .ok)
            #expect(events.json?["events"] == .array([]))

            _ = try await hub.send(hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1"}"#))
            let method = try await hub.send(hub.service(.POST, "/twins/dev1/methods", json: #"{"methodName":"reboot","payload":{}}"#))
            #expect(method.status == .notFound)
            #expect(method.errorCode == "DeviceNotOnline")
        }
    }

    @Test("the route runs on the thread pool, its response completes on the channel's event loop")
    func offTheEventLoop() async throws {
        let ranOnLoop = NIOLockedValueBox<Bool?>(nil)
        let route: HTTPRoute = { request, loop in
            ranOnLoop.withLockedValue { $0 = loop.inEventLoop }
            let promise = loop.makePromise(of: HTTPResponse.self)
            loop.scheduleTask(in: .milliseconds(20)) { promise.succeed(HTTPResponse(status: .accepted, body: request.body)) }
            return promise.futureResult
        }
        try await HTTPTestHub.with(route: route) { hub in
            let loop = hub.group.next()
            let future = hub.router.respond(to: HTTPRequest(method: .POST, path: "/x", body: [1, 2, 3]), on: loop)
            #expect(future.eventLoop === loop)
            let response = try await future.get()
            #expect(response.status == .accepted)
            #expect(response.body == [1, 2, 3])
            #expect(ranOnLoop.withLockedValue { $0 } == false)
        }
    }

    @Test("an error that is not a IoTHubError becomes 500 ServerError")
    func unexpectedError() async throws {
        struct Broken: Error {}
        try await HTTPTestHub.with(route: { _, loop in loop.makeFailedFuture(Broken()) }) { hub in
            let response = try await hub.send(HTTPRequest(method: .GET, path: "/x"))
            #expect(response.status == .internalServerError)
            #expect(response.errorCode == "ServerError")
        }
    }
}
