import Logging
import JSON
import NIOCore
import NIOHTTP1

/// The admin API's controls of the cloud misbehaving on purpose (`nrfsim az iot hub emulator …`):
///
/// - `POST /admin/hubs/{hub}/disconnect`, `POST /admin/hubs/{hub}/devices/{id}/disconnect`: the hub closes the
///   device connections (``HubCore/disconnect(hub:deviceID:reason:)``); answers `{"disconnected": [ids]}`.
/// - `GET /admin/hubs/{hub}/ledger`, `GET /admin/hubs/{hub}/devices/{id}/ledger`: the traffic ledger
///   (``HubTrafficLedger``) of the hub's devices that connected since it started (an array), or of one device (an
///   object; a device that has not connected has all zeros).
/// - `GET /admin/server-root`, `PUT /admin/server-root` with `{"serverRoot": "digicert-g2" | "baltimore"}`: the
///   root new TLS handshakes present (``ServerTLSContexts``); answers the state after.
extension ServiceAPI {
    /// The response to a control request, or nil when `path` names none.
    func adminControl(_ request: HTTPRequest, _ path: [String]) throws -> JSONValue? {
        switch (request.method, path.count) {
        case (.GET, 1) where path[0] == "server-root":
            return try self.serverRootJSON()
        case (.PUT, 1) where path[0] == "server-root":
            guard let tls = self.serverTLS else { throw IoTHubError.notFound("this emulator serves no TLS contexts to switch") }
            guard let text = try self.body(request)["serverRoot"]?.stringValue else {
                throw IoTHubError.argumentInvalid("the body needs \"serverRoot\": \(ServerRoot.allCases.map { "\"\($0)\"" }.joined(separator: " or "))")
            }
            do {
                tls.present(try ServerRoot(parsing: text))
            } catch {
                throw IoTHubError.argumentInvalid("serverRoot: \(error)")
            }
            return try self.serverRootJSON()
        case (.POST, 3) where path[0] == "hubs" && path[2] == "disconnect":
            return try self.disconnectJSON(hub: path[1], deviceID: nil)
        case (.POST, 5) where path[0] == "hubs" && path[2] == "devices" && path[4] == "disconnect":
            return try self.disconnectJSON(hub: path[1], deviceID: path[3])
        case (.GET, 3) where path[0] == "hubs" && path[2] == "ledger":
            return .array(self.core.traffic.devices(hub: try self.hubName(path[1])).map(\.json))
        case (.GET, 5) where path[0] == "hubs" && path[2] == "devices" && path[4] == "ledger":
            let hub = try self.hubName(path[1])
            if let traffic = self.core.traffic.device(hub: hub, deviceID: path[3]) { return traffic.json }
            _ = try self.core.device(hub: hub, id: path[3])  // 404 for a device the hub does not know
            return DeviceTraffic(hub: hub, deviceID: path[3], connections: 0, counts: TrafficCounts()).json
        default:
            return nil
        }
    }

    /// The name of the hub `name` names (a hostname or a name, any case). - Throws: 404 when there is none.
    private func hubName(_ name: String) throws -> String {
        guard let record = self.core.hub(named: name) else { throw IoTHubError.iotHubNotFound("no IoT hub named '\(name)'") }
        return record.name
    }

    private func disconnectJSON(hub: String, deviceID: String?) throws -> JSONValue {
        let closed = try self.core.disconnect(hub: hub, deviceID: deviceID, reason: "disconnected on request (admin API)")
        return .object(JSONObject([("disconnected", .array(closed.map(JSONValue.string)))]))
    }

    private func serverRootJSON() throws -> JSONValue {
        guard let tls = self.serverTLS else { throw IoTHubError.notFound("this emulator serves no TLS contexts to switch") }
        let presented = tls.root
        return .object(JSONObject([
            ("serverRoot", .string(presented.rawValue)),
            ("roots", .array(ServerRoot.allCases.map { root in
                .object(JSONObject([
                    ("name", .string(root.rawValue)), ("presented", .bool(root == presented)),
                    ("certificate", .string(tls.rootCertificatePath(root))),
                ]))
            })),
        ]))
    }
}
