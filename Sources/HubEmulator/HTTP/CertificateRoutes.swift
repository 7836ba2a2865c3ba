import JSON
import NIOCore
import NIOHTTP1

/// A set of CA certificates with proof of possession, as the admin API serves it for a hub or a DPS instance.
struct CertificateBook {
    /// The ARM resource the certificates belong to (`IotHubs/{hub}`, `provisioningServices/{dps}`).
    var resource: String
    var type: String
    var list: () throws -> [CACertificateRecord]
    var upload: (_ name: String, _ pem: String, _ verified: Bool) throws -> CACertificateRecord
    var show: (_ name: String) throws -> CACertificateRecord
    var delete: (_ name: String, _ etag: String) throws -> Void
    var generateCode: (_ name: String, _ etag: String) throws -> CACertificateRecord
    var verify: (_ name: String, _ etag: String, _ pem: String) throws -> CACertificateRecord
}

extension ServiceAPI {
    /// `…/certificates[/{name}[/generateVerificationCode|/verify]]`; `If-Match` carries the etag.
    func certificates(_ request: HTTPRequest, _ rest: [String], book: CertificateBook, on eventLoop: any EventLoop) throws -> EventLoopFuture<HTTPResponse> {
        let ok = { (value: JSONValue) in eventLoop.makeSucceededFuture(HTTPResponse.json(value)) }
        let json = { (record: CACertificateRecord) in self.certificateJSON(record, book: book) }
        let ifMatch = request.header("If-Match") ?? "*"
        switch (request.method, rest.count) {
        case (.GET, 0):
            return ok(.object(JSONObject([("value", .array(try book.list().map(json)))])))
        case (.PUT, 1):
            let body = try self.body(request)
            guard let pem = body["certificate"]?.stringValue else { throw IoTHubError.argumentInvalid("no certificate") }
            return ok(json(try book.upload(rest[0], pem, body["isVerified"]?.boolValue ?? false)))
        case (.GET, 1):
            return ok(json(try book.show(rest[0])))
        case (.DELETE, 1):
            try book.delete(rest[0], ifMatch)
            return eventLoop.makeSucceededFuture(HTTPResponse(status: .noContent))
        case (.POST, 2) where rest[1] == "generateVerificationCode":
            return ok(json(try book.generateCode(rest[0], ifMatch)))
        case (.POST, 2) where rest[1] == "verify":
            guard let pem = try self.body(request)["certificate"]?.stringValue else { throw IoTHubError.argumentInvalid("no certificate") }
            return ok(json(try book.verify(rest[0], ifMatch, pem)))
        default:
            throw IoTHubError.notFound("no admin operation \(request.method) \(request.path)")
        }
    }

    func certificateJSON(_ record: CACertificateRecord, book: CertificateBook) -> JSONValue {
        .object(JSONObject([
            ("etag", .string(record.etag)),
            ("id", .string("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/nrfsim/providers/Microsoft.Devices/\(book.resource)/certificates/\(record.name)")),
            ("name", .string(record.name)),
            ("properties", .object(JSONObject([
                ("certificate", .string(record.pem)), ("created", .string(record.created)), ("expiry", .string(record.expiry)),
                ("isVerified", .bool(record.verified)), ("subject", .string(record.subject)), ("thumbprint", .string(record.thumbprint)),
                ("updated", .string(record.updated)), ("verificationCode", record.verificationCode.map(JSONValue.string) ?? .null),
            ]))),
            ("resourceGroup", .string("nrfsim")), ("type", .string(book.type)),
        ]))
    }
}
