import Foundation
import NIOCore
import NIOHTTP1

/// The admin API behind `nrfsim az`: hubs, CA certificates with proof of possession, C2D sends and the telemetry
/// stream. Responses use the ARM shapes `az` prints.
extension ServiceAPI {
    func admin(_ request: HTTPRequest, _ path: [String], on eventLoop: any EventLoop) throws -> EventLoopFuture<HTTPResponse> {
        let ok = { (value: JSONValue) in eventLoop.makeSucceededFuture(HTTPResponse.json(value)) }
        switch (request.method, path.count) {
        case (.GET, 1) where path[0] == "hubs":
            return ok(.array(self.core.hubRecords.map(self.hubJSON)))
        case (.PUT, 2) where path[0] == "hubs":
            return ok(self.hubJSON(try self.core.createHub(name: path[1])))
        case (.GET, 2) where path[0] == "hubs":
            guard let hub = self.core.hub(named: path[1]) else {
                throw ServiceError(404, 404002, "IotHubNotFound", "no IoT hub named '\(path[1])'")
            }
            return ok(self.hubJSON(hub))
        default:
            break
        }
        guard path.count >= 3, path[0] == "hubs" else {
            throw ServiceError(404, 404000, "NotFound", "no admin operation \(request.method) \(request.path)")
        }
        let hub = path[1]
        let rest = Array(path.dropFirst(2))
        let ifMatch = request.header("If-Match") ?? "*"
        switch (request.method, rest.count, rest[0]) {
        case (.GET, 1, "certificates"):
            return ok(.object(JSONObject([("value", .array(try self.core.certificates(hub: hub).map { self.certificateJSON($0, hub: hub) }))])))
        case (.PUT, 2, "certificates"):
            let body = try self.body(request)
            guard let pem = body["certificate"]?.stringValue else { throw ServiceError(400, 400004, "ArgumentInvalid", "no certificate") }
            return ok(self.certificateJSON(try self.core.uploadCertificate(hub: hub, name: rest[1], pem: pem, verified: body["isVerified"]?.boolValue ?? false), hub: hub))
        case (.GET, 2, "certificates"):
            return ok(self.certificateJSON(try self.core.certificate(hub: hub, name: rest[1]), hub: hub))
        case (.DELETE, 2, "certificates"):
            try self.core.deleteCertificate(hub: hub, name: rest[1], etag: ifMatch)
            return eventLoop.makeSucceededFuture(HTTPResponse(status: .noContent))
        case (.POST, 3, "certificates") where rest[2] == "generateVerificationCode":
            return ok(self.certificateJSON(try self.core.generateVerificationCode(hub: hub, name: rest[1], etag: ifMatch), hub: hub))
        case (.POST, 3, "certificates") where rest[2] == "verify":
            guard let pem = try self.body(request)["certificate"]?.stringValue else { throw ServiceError(400, 400004, "ArgumentInvalid", "no certificate") }
            return ok(self.certificateJSON(try self.core.verifyCertificate(hub: hub, name: rest[1], etag: ifMatch, verificationPEM: pem), hub: hub))
        case (.POST, 3, "devices") where rest[2] == "messages":
            let body = try self.body(request)
            let data: [UInt8]
            if let base64 = body["dataBase64"]?.stringValue {
                guard let decoded = Data(base64Encoded: base64) else { throw ServiceError(400, 400004, "ArgumentInvalid", "dataBase64 is not base64") }
                data = Array(decoded)
            } else {
                data = Array((body["data"]?.stringValue ?? "").utf8)
            }
            var properties: [(key: String, value: String?)] = []
            for (key, value) in body["properties"]?.objectValue?.members ?? [] {
                properties.append((key, value == .null ? nil : (value.stringValue ?? value.text)))
            }
            let ttl = body["ttlSeconds"]?.intValue.map(Int64.init)
            let messageID = try self.core.sendCloudToDevice(hub: hub, id: rest[1], body: data, properties: properties, ttlSeconds: ttl)
            return ok(.object(JSONObject([("messageId", .string(messageID))])))
        case (.GET, 1, "events"):
            guard let record = self.core.hub(named: hub) else { throw ServiceError(404, 404002, "IotHubNotFound", "no IoT hub named '\(hub)'") }
            let after = Int(request.query["after"] ?? "") ?? self.core.latestEventSequence
            let timeout = TimeAmount.milliseconds(Int64(min(60_000, max(0, Int(request.query["timeoutMs"] ?? "") ?? 10_000))))
            return self.core.events(hub: record.name, after: after, timeout: timeout, on: eventLoop).map { events in
                .json(.object(JSONObject([
                    ("last", .integer(Int64(events.last?.sequence ?? after))), ("events", .array(events.map(self.eventJSON))),
                ])))
            }
        default:
            throw ServiceError(404, 404000, "NotFound", "no admin operation \(request.method) \(request.path)")
        }
    }

    func hubJSON(_ hub: HubRecord) -> JSONValue {
        let policies = hub.policies.keys.sorted().map { name in
            JSONValue.object(JSONObject([
                ("keyName", .string(name)), ("primaryKey", .string(hub.policies[name]!.primary)),
                ("secondaryKey", .string(hub.policies[name]!.secondary)),
            ]))
        }
        return .object(JSONObject([
            ("id", .string("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/nrfsim/providers/Microsoft.Devices/IotHubs/\(hub.name)")),
            ("name", .string(hub.name)), ("type", .string("Microsoft.Devices/IotHubs")), ("location", .string("local")),
            ("resourcegroup", .string("nrfsim")), ("sku", .object(JSONObject([("capacity", .integer(1)), ("name", .string("S1")), ("tier", .string("Standard"))]))),
            ("properties", .object(JSONObject([
                ("hostName", .string(hub.hostname)), ("state", .string("Active")), ("authorizationPolicies", .array(policies)),
            ]))),
        ]))
    }

    func certificateJSON(_ record: CACertificateRecord, hub: String) -> JSONValue {
        .object(JSONObject([
            ("etag", .string(record.etag)),
            ("id", .string("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/nrfsim/providers/Microsoft.Devices/IotHubs/\(hub)/certificates/\(record.name)")),
            ("name", .string(record.name)),
            ("properties", .object(JSONObject([
                ("certificate", .string(record.pem)), ("created", .string(record.created)), ("expiry", .string(record.expiry)),
                ("isVerified", .bool(record.verified)), ("subject", .string(record.subject)), ("thumbprint", .string(record.thumbprint)),
                ("updated", .string(record.updated)), ("verificationCode", record.verificationCode.map(JSONValue.string) ?? .null),
            ]))),
            ("resourceGroup", .string("nrfsim")), ("type", .string("Microsoft.Devices/IotHubs/Certificates")),
        ]))
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
            ("payload", text.map { body in (try? JSONValue.parse(body)) ?? .string(body) } ?? .string(base64Encode(event.body))),
            ("annotations", object(annotations)), ("properties", object(event.applicationProperties.map { ($0.0, $0.1) })),
        ]))
    }
}
