import Foundation
import JSON
import NIOCore
import NIOHTTP1

/// The admin API behind `nrfsim az`: hubs, CA certificates with proof of possession, C2D sends and the telemetry
/// stream. Responses use the ARM shapes `az` prints.
extension ServiceAPI {
    func admin(_ request: HTTPRequest, _ path: [String], on eventLoop: any EventLoop) throws -> EventLoopFuture<HTTPResponse> {
        let ok = { (value: JSONValue) in eventLoop.makeSucceededFuture(HTTPResponse.json(value)) }
        if path.first == "dps" { return try self.provisioningAdmin(request, Array(path.dropFirst()), on: eventLoop) }
        if path.first == "storage" { return eventLoop.makeSucceededFuture(try self.blobUpload(request, Array(path.dropFirst()))) }
        if let control = try self.adminControl(request, path) { return ok(control) }
        switch (request.method, path.count) {
        case (.GET, 1) where path[0] == "hubs":
            return ok(.array(self.core.hubRecords.map(self.hubJSON)))
        case (.PUT, 2) where path[0] == "hubs":
            return ok(self.hubJSON(try self.core.createHub(name: path[1])))
        case (.GET, 2) where path[0] == "hubs":
            guard let hub = self.core.hub(named: path[1]) else {
                throw IoTHubError.iotHubNotFound("no IoT hub named '\(path[1])'")
            }
            return ok(self.hubJSON(hub))
        case (.POST, 3) where path[0] == "hubs" && path[2] == "listkeys":
            guard let hub = self.core.hub(named: path[1]) else {
                throw IoTHubError.iotHubNotFound("no IoT hub named '\(path[1])'")
            }
            return ok(self.policyKeysJSON(hub))
        default:
            break
        }
        guard path.count >= 3, path[0] == "hubs" else {
            throw IoTHubError.notFound("no admin operation \(request.method) \(request.path)")
        }
        let hub = path[1]
        let rest = Array(path.dropFirst(2))
        if rest[0] == "certificates" {
            let book = CertificateBook(
                resource: "IotHubs/\(hub)", type: "Microsoft.Devices/IotHubs/Certificates",
                list: { try self.core.certificates(hub: hub) },
                upload: { try self.core.uploadCertificate(hub: hub, name: $0, pem: $1, verified: $2) },
                show: { try self.core.certificate(hub: hub, name: $0) },
                delete: { try self.core.deleteCertificate(hub: hub, name: $0, etag: $1) },
                generateCode: { try self.core.generateVerificationCode(hub: hub, name: $0, etag: $1) },
                verify: { try self.core.verifyCertificate(hub: hub, name: $0, etag: $1, verificationPEM: $2) })
            return try self.certificates(request, Array(rest.dropFirst()), book: book, on: eventLoop)
        }
        switch (request.method, rest.count, rest[0]) {
        case (.POST, 3, "devices") where rest[2] == "messages":
            let body = try self.body(request)
            let data: [UInt8]
            if let base64 = body["dataBase64"]?.stringValue {
                guard let decoded = Data(base64Encoded: base64) else { throw IoTHubError.argumentInvalid("dataBase64 is not base64") }
                data = Array(decoded)
            } else {
                data = Array((body["data"]?.stringValue ?? "").utf8)
            }
            try self.core.admit(.cloudToDevice(bytes: data.count), hub: hub)
            var properties: [(key: String, value: String?)] = []
            for (key, value) in body["properties"]?.objectValue?.members ?? [] {
                properties.append((key, value == .null ? nil : (value.stringValue ?? value.text)))
            }
            let ttl = body["ttlSeconds"]?.intValue.map(Int64.init)
            let messageID = try self.core.sendCloudToDevice(hub: hub, id: rest[1], body: data, properties: properties, ttlSeconds: ttl)
            return ok(.object(JSONObject([("messageId", .string(messageID))])))
        case (.GET, 1, "events"):
            guard let record = self.core.hub(named: hub) else { throw IoTHubError.iotHubNotFound("no IoT hub named '\(hub)'") }
            let after = Int(request.query["after"] ?? "") ?? self.core.latestEventSequence
            let timeout = TimeAmount.milliseconds(Int64(min(60_000, max(0, Int(request.query["timeoutMs"] ?? "") ?? 10_000))))
            return self.core.events(hub: record.name, after: after, timeout: timeout, on: eventLoop).map { events in
                .json(.object(JSONObject([
                    ("last", .integer(Int64(events.last?.sequence ?? after))), ("events", .array(events.map(self.eventJSON))),
                ])))
            }
        default:
            throw IoTHubError.notFound("no admin operation \(request.method) \(request.path)")
        }
    }

    /// The hub resource as ARM returns it: without the shared access policies' keys, which only `listkeys` gives
    /// (Azure REST API, IoT Hub Resource - Get and - List Keys).
    func hubJSON(_ hub: HubRecord) -> JSONValue {
        .object(JSONObject([
            ("id", .string("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/nrfsim/providers/Microsoft.Devices/IotHubs/\(hub.name)")),
            ("name", .string(hub.name)), ("type", .string("Microsoft.Devices/IotHubs")), ("location", .string("local")),
            ("resourcegroup", .string("nrfsim")), ("sku", self.skuJSON),
            ("properties", .object(JSONObject([
                ("hostName", .string(hub.hostname)), ("state", .string("Active")), ("authorizationPolicies", .null),
            ]))),
        ]))
    }

    /// The SKU the hub enforces (`--sku`, `--units`), or S1 with one unit (what it is shown as when it enforces none).
    var skuJSON: JSONValue {
        let sku = self.core.throttles?.sku
        return .object(JSONObject([
            ("capacity", .integer(Int64(sku?.units ?? 1))), ("name", .string(sku?.tier.rawValue ?? "S1")),
            ("tier", .string(sku?.tier == .f1 ? "Free" : "Standard")),
        ]))
    }

    /// `POST …/IotHubs/{name}/listkeys`: the shared access policies with their keys and rights.
    func policyKeysJSON(_ hub: HubRecord) -> JSONValue {
        let policies = hub.policies.keys.sorted().map { name in
            JSONValue.object(JSONObject([
                ("keyName", .string(name)), ("primaryKey", .string(hub.policies[name]!.primary)),
                ("secondaryKey", .string(hub.policies[name]!.secondary)),
            ]))
        }
        return .object(JSONObject([("value", .array(policies)), ("nextLink", .null)]))
    }

    func eventJSON(_ event: TelemetryEvent) -> JSONValue {
        func object(_ pairs: [(String, String?)]) -> JSONValue {
            .object(JSONObject(pairs.map { ($0.0, $0.1.map(JSONValue.string) ?? .null) }))
        }
        let text = String(validating: event.body, as: UTF8.self)
        var annotations: [(String, String?)] = [
            ("iothub-connection-device-id", event.deviceID), ("iothub-enqueuedtime", event.enqueuedTime), ("iothub-message-source", "Telemetry"),
        ]
        annotations += event.systemProperties.map { ($0.0, $0.1) }
        return .object(JSONObject([
            ("sequence", .integer(Int64(event.sequence))), ("origin", .string(event.deviceID)),
            ("payload", text.map { body in (try? JSONValue.parse(body, limits: self.core.jsonLimits)) ?? .string(body) } ?? .string(base64Encode(event.body))),
            ("annotations", object(annotations)), ("properties", object(event.applicationProperties.map { ($0.0, $0.1) })),
        ]))
    }
}
