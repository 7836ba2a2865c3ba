import JSON
import NIOCore
import NIOHTTP1

/// The admin API behind `nrfsim az iot dps`: `/admin/dps[/{name}[/linkedHubs|certificates|enrollmentGroups|
/// enrollments|registrations…]]`. Instances print in the ARM shape `az` shows; enrollments and registrations in the
/// DPS service API's shapes.
extension ServiceAPI {
    func provisioningAdmin(_ request: HTTPRequest, _ path: [String], on eventLoop: any EventLoop) throws -> EventLoopFuture<HTTPResponse> {
        let ok = { (value: JSONValue) in eventLoop.makeSucceededFuture(HTTPResponse.json(value)) }
        let noContent = { eventLoop.makeSucceededFuture(HTTPResponse(status: .noContent)) }
        let service = self.provisioning
        switch (request.method, path.count) {
        case (.GET, 0):
            return ok(.array(service.instanceRecords.map(self.instanceJSON)))
        case (.PUT, 1):
            return ok(self.instanceJSON(try service.createInstance(name: path[0])))
        case (.GET, 1):
            return ok(self.instanceJSON(try service.instance(named: path[0])))
        default:
            break
        }
        guard path.count >= 2 else { throw IoTHubError.notFound("no admin operation \(request.method) \(request.path)") }
        let dps = path[0]
        let rest = Array(path.dropFirst(2))
        let ifMatch = request.header("If-Match")
        switch (path[1], request.method, rest.count) {
        case ("linkedHubs", .GET, 0):
            return ok(.array(self.instanceJSON(try service.instance(named: dps))["properties"]?["iotHubs"]?.arrayValue ?? []))
        case ("linkedHubs", .PUT, 1):
            let body = request.body.isEmpty ? JSONValue.object(JSONObject()) : try self.body(request)
            let record = try service.linkHub(
                dps: dps, hub: rest[0], allocationWeight: body["allocationWeight"]?.intValue,
                applyAllocationPolicy: body["applyAllocationPolicy"]?.boolValue ?? true)
            return ok(self.instanceJSON(record))
        case ("linkedHubs", .DELETE, 1):
            return ok(self.instanceJSON(try service.unlinkHub(dps: dps, hub: rest[0])))
        case ("certificates", _, _):
            let name = try service.instance(named: dps).name
            let book = CertificateBook(
                resource: "provisioningServices/\(name)", type: "Microsoft.Devices/provisioningServices/Certificates",
                list: { try service.certificates(dps: dps) },
                upload: { try service.uploadCertificate(dps: dps, name: $0, pem: $1, verified: $2) },
                show: { try service.certificate(dps: dps, name: $0) },
                delete: { try service.deleteCertificate(dps: dps, name: $0, etag: $1) },
                generateCode: { try service.generateVerificationCode(dps: dps, name: $0, etag: $1) },
                verify: { try service.verifyCertificate(dps: dps, name: $0, etag: $1, verificationPEM: $2) })
            return try self.certificates(request, rest, book: book, on: eventLoop)
        case ("enrollmentGroups", .GET, 0), ("enrollments", .GET, 0):
            return ok(.array(try service.enrollments(path[1] == "enrollments" ? .individual : .group, dps: dps)))
        case ("enrollmentGroups", .PUT, 1), ("enrollments", .PUT, 1):
            let kind: ProvisioningService.EnrollmentKind = path[1] == "enrollments" ? .individual : .group
            return ok(try service.putEnrollment(kind, dps: dps, id: rest[0], body: try self.body(request), ifMatch: ifMatch))
        case ("enrollmentGroups", .GET, 1), ("enrollments", .GET, 1):
            return ok(try service.enrollment(path[1] == "enrollments" ? .individual : .group, dps: dps, id: rest[0]))
        case ("enrollmentGroups", .DELETE, 1), ("enrollments", .DELETE, 1):
            try service.deleteEnrollment(path[1] == "enrollments" ? .individual : .group, dps: dps, id: rest[0])
            return noContent()
        case ("registrations", .GET, 0):
            return ok(.array(try service.registrations(dps: dps, groupID: request.query["groupId"])))
        case ("registrations", .GET, 1):
            return ok(try service.registration(dps: dps, registrationID: rest[0]))
        case ("registrations", .DELETE, 1):
            try service.deleteRegistration(dps: dps, registrationID: rest[0])
            return noContent()
        default:
            throw IoTHubError.notFound("no admin operation \(request.method) \(request.path)")
        }
    }

    func instanceJSON(_ instance: ProvisioningInstance) -> JSONValue {
        let hubs = instance.linkedHubs.map { hub in
            JSONValue.object(JSONObject([
                ("allocationWeight", hub.allocationWeight.map { .integer(Int64($0)) } ?? .null),
                ("applyAllocationPolicy", .bool(hub.applyAllocationPolicy)),
                ("connectionString", .string("HostName=\(hub.hostname);SharedAccessKeyName=iothubowner;SharedAccessKey=****")),
                ("location", .string("local")), ("name", .string(hub.hostname)),
            ]))
        }
        return .object(JSONObject([
            ("etag", .string("AAAAAAAAAAE=")),
            ("id", .string("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/nrfsim/providers/Microsoft.Devices/provisioningServices/\(instance.name)")),
            ("location", .string("local")), ("name", .string(instance.name)),
            ("properties", .object(JSONObject([
                ("allocationPolicy", .string("Hashed")), ("authorizationPolicies", .null),
                ("deviceProvisioningHostName", .string("global.azure-devices-provisioning.net")), ("idScope", .string(instance.idScope)),
                ("iotHubs", .array(hubs)), ("provisioningState", .string("Succeeded")),
                ("serviceOperationsHostName", .string(instance.hostname)), ("state", .string("Active")),
            ]))),
            ("resourcegroup", .string("nrfsim")),
            ("sku", .object(JSONObject([("capacity", .integer(1)), ("name", .string("S1")), ("tier", .string("Standard"))]))),
            ("type", .string("Microsoft.Devices/provisioningServices")),
        ]))
    }
}
