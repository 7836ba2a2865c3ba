import JSON
import NIOHTTP1
import Testing
import TrafficLedger

@testable import HubEmulator

@Suite("The admin API's traffic ledger routes")
struct LedgerRouteTests {
    static func admin(_ path: String) -> HTTPRequest {
        HTTPRequest(method: .GET, path: path, headers: ["Authorization": "Bearer \(HTTPTestHub.adminToken)"])
    }

    @Test("a hub's ledger lists the devices that connected; one device's has the ledger's fields; an unknown one is 404")
    func routes() async throws {
        try await HTTPTestHub.with { hub in
            _ = try await hub.send(hub.service(.PUT, "/devices/quiet", json: #"{"deviceId":"quiet"}"#))
            let empty = try await hub.send(Self.admin("/admin/hubs/hub1/ledger"))
            #expect(empty.status == .ok && empty.json == .array([]))

            let quiet = try await hub.send(Self.admin("/admin/hubs/hub1/devices/quiet/ledger"))
            #expect(quiet.status == .ok)
            let zero = #"{"tlsHandshake":0,"tlsRecords":0,"mqttControl":0,"mqttPayload":0,"keepAlive":0,"total":0}"#
            #expect(quiet.json == (try JSONValue.parse(#"{"deviceId":"quiet","connections":0,"handshakes":0,"up":\#(zero),"down":\#(zero),"packets":{}}"#)))

            let unknown = try await hub.send(Self.admin("/admin/hubs/hub1/devices/nobody/ledger"))
            #expect(unknown.status == .notFound)
            let noHub = try await hub.send(Self.admin("/admin/hubs/nohub/ledger"))
            #expect(noHub.status == .notFound)
        }
    }
}
