import Foundation
import NIOHTTP1
import Testing
@testable import HubEmulator

/// Every service route × every default policy × a resource (`sr`) that covers the request and one that does not:
/// a call is let through exactly when the policy holds a right the route needs and the token's resource covers it
/// ("Control access to IoT Hub with shared access signatures", learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas).
@Suite("Service API permissions")
struct ServicePermissionTests {
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPMethod
        var path: String
        var body: String?
        var description: String { "\(self.method) \(self.path)" }
    }

    static let routes: [Route] = [
        Route(method: .GET, path: "/devices/dev1"),
        Route(method: .GET, path: "/devices"),
        Route(method: .GET, path: "/statistics/devices"),
        Route(method: .PUT, path: "/devices/dev2", body: #"{"deviceId":"dev2"}"#),
        Route(method: .DELETE, path: "/devices/dev3"),
        Route(method: .GET, path: "/twins/dev1"),
        Route(method: .POST, path: "/devices/query", body: #"{"query":"SELECT * FROM devices"}"#),
        Route(method: .PATCH, path: "/twins/dev1", body: #"{"properties":{"desired":{"a":1}}}"#),
        Route(method: .PUT, path: "/twins/dev1", body: #"{"properties":{"desired":{"a":2}}}"#),
        Route(method: .POST, path: "/twins/dev1/methods", body: #"{"methodName":"reboot","responseTimeoutInSeconds":5}"#),
        Route(method: .DELETE, path: "/devices/dev1/commands"),
    ]

    /// What each default policy may call, written out by hand from the documentation's rights (not derived from the
    /// code under test).
    static let allowed: [String: Set<String>] = [
        "iothubowner": Set(routes.map(\.description)),
        "service": ["GET /twins/dev1", "POST /devices/query", "PATCH /twins/dev1", "PUT /twins/dev1", "POST /twins/dev1/methods",
                    "DELETE /devices/dev1/commands"],
        "device": [],
        "registryRead": ["GET /devices/dev1", "GET /devices", "GET /statistics/devices", "GET /twins/dev1", "POST /devices/query"],
        "registryReadWrite": ["GET /devices/dev1", "GET /devices", "GET /statistics/devices", "GET /twins/dev1", "POST /devices/query",
                              "PUT /devices/dev2", "DELETE /devices/dev3"],
    ]

    @Test("each route × policy is let through exactly as the policy's rights allow, for a resource that covers it")
    func table() async throws {
        try await HTTPTestHub.with { hub in
            for id in ["dev1", "dev3"] {
                let made = try await hub.send(hub.service(.PUT, "/devices/\(id)", json: #"{"deviceId":"\#(id)"}"#))
                #expect(made.status == .ok)
            }
            for (policy, allowed) in Self.allowed {
                for route in Self.routes {
                    let covering = [hub.hub.hostname, hub.hub.hostname + "/" + route.path.split(separator: "/").prefix(2).joined(separator: "/")]
                    for resource in covering {
                        let response = try await hub.send(self.request(route, hub: hub, policy: policy, resource: resource))
                        let expected = allowed.contains(route.description)
                        #expect((response.status != .unauthorized) == expected, "\(policy) \(route) sr=\(resource): \(response.status)")
                        if expected && route.method == .DELETE && route.path == "/devices/dev3" {
                            _ = try await hub.send(hub.service(.PUT, "/devices/dev3", json: #"{"deviceId":"dev3"}"#))
                        }
                    }
                }
            }
        }
    }

    @Test("a resource that does not cover the request is refused, whatever the policy: another device, another hub, a bare address")
    func resourceMustCover() async throws {
        try await HTTPTestHub.with { hub in
            _ = try await hub.send(hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1"}"#))
            for route in Self.routes {
                for resource in [hub.hub.hostname + "/devices/other", hub.hub.hostname + "/twins/other", "otherhub.azure-devices.net",
                                 "localhost:8443"] {
                    let response = try await hub.send(self.request(route, hub: hub, policy: "iothubowner", resource: resource))
                    #expect(response.status == .unauthorized, "\(route) sr=\(resource): \(response.status)")
                    #expect(response.errorCode == "IotHubUnauthorizedAccess")
                }
            }
        }
    }

    @Test("the address the client dialed stands for the hubs: sr=localhost:8443 with Host localhost:8443 reaches the hub whose key signed it")
    func dialedAddress() async throws {
        try await HTTPTestHub.with { hub in
            _ = try await hub.send(hub.service(.PUT, "/devices/dev1", json: #"{"deviceId":"dev1"}"#))
            let read = try await hub.send(
                self.request(Self.routes[0], hub: hub, policy: "registryRead", resource: "localhost:8443", host: "localhost:8443"))
            #expect(read.status == .ok)
            let write = try await hub.send(
                self.request(Self.routes[3], hub: hub, policy: "registryRead", resource: "localhost:8443", host: "localhost:8443"))
            #expect(write.status == .unauthorized)
            let other = try await hub.send(
                self.request(Self.routes[0], hub: hub, policy: "registryRead", resource: "localhost:8443", host: "127.0.0.1:8443"))
            #expect(other.status == .unauthorized)
        }
    }

    @Test("a token signed by another policy's key than the one it names is refused")
    func wrongKey() async throws {
        try await HTTPTestHub.with { hub in
            let token = SASToken.make(
                resource: hub.hub.hostname, base64Key: hub.hub.policies["registryRead"]!.primary, expiry: Int64(Date().timeIntervalSince1970) + 60,
                policy: "iothubowner")!
            let response = try await hub.send(hub.service(.GET, "/devices", authorization: token))
            #expect(response.status == .unauthorized)
        }
    }

    func request(_ route: Route, hub: HTTPTestHub, policy: String, resource: String, host: String? = nil) -> HTTPRequest {
        let token = SASToken.make(
            resource: resource, base64Key: hub.hub.policies[policy]!.primary, expiry: Int64(Date().timeIntervalSince1970) + 3600, policy: policy)!
        var request = hub.service(route.method, route.path, json: route.body, authorization: token)
        if let host { request.headers.add(name: "Host", value: host) }
        return request
    }
}
