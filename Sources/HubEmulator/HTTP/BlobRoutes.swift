import Foundation
import JSON
import NIOCore
import NIOHTTP1

/// `<account>.blob.core.windows.net`: anonymous reads (a public container, as FOTA downloads use), with `Range`
/// answered by 206 and `Content-Range`; and the admin upload behind `nrfsim az storage blob upload`.
extension ServiceAPI {
    static let blobHostSuffix = ".blob.core.windows.net"

    /// The storage account a request's `Host` names, if it is a blob endpoint.
    static func blobAccount(_ request: HTTPRequest) -> String? {
        guard var host = request.header("Host")?.lowercased() else { return nil }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        guard host.hasSuffix(Self.blobHostSuffix) else { return nil }
        return String(host.dropLast(Self.blobHostSuffix.count))
    }

    func blobRead(_ request: HTTPRequest, account: String) throws -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            throw IoTHubError.unsupportedHttpVerb("blobs are read with GET")
        }
        let path = request.path.split(separator: "/", maxSplits: 1).map(String.init)
        guard path.count == 2, let blob = self.blobs.read(account: account, container: path[0], name: path[1]) else {
            throw IoTHubError.blobNotFound("The specified blob does not exist.")
        }
        if case .reply(let status) = self.blobFault {
            // Azure Storage's error shape: the message as the reason phrase and in the XML body.
            let (code, message) = self.blobFault!.error
            let body = #"<?xml version="1.0" encoding="utf-8"?><Error><Code>\#(code)</Code><Message>\#(message)</Message></Error>"#
            return HTTPResponse(
                status: .custom(code: UInt(status), reasonPhrase: message), headers: [("Content-Type", "application/xml"), ("x-ms-error-code", code)],
                body: request.method == .HEAD ? [] : Array(body.utf8))
        }
        let common = [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        guard let rangeHeader = request.header("Range"), self.blobFault != .noRange else {
            return HTTPResponse(status: .ok, headers: common, body: request.method == .HEAD ? [] : blob)
        }
        guard let range = byteRange(rangeHeader, size: blob.count) else {
            return HTTPResponse(status: .rangeNotSatisfiable, headers: common + [("Content-Range", "bytes */\(blob.count)")])
        }
        return HTTPResponse(
            status: .partialContent,
            headers: common + [("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound)/\(blob.count)")],
            body: request.method == .HEAD ? [] : Array(blob[range]))
    }

    /// `PUT /admin/storage/<account>/<container>/<name…>` with `{"content": base64, "overwrite": bool}`.
    func blobUpload(_ request: HTTPRequest, _ path: [String]) throws -> HTTPResponse {
        guard request.method == .PUT, path.count >= 3 else {
            throw IoTHubError.notFound("no storage operation \(request.method) \(request.path)")
        }
        let body = try JSONValue.parse(request.body, limits: self.core.jsonLimits)
        guard let encoded = body["content"]?.stringValue, let content = Data(base64Encoded: encoded) else {
            throw IoTHubError.invalidInput("the upload needs base64 'content'")
        }
        let name = path[2...].joined(separator: "/")
        try self.blobs.upload(
            account: path[0], container: path[1], name: name, content: Array(content),
            overwrite: body["overwrite"] == .bool(true))
        let url = "https://\(path[0])\(Self.blobHostSuffix)/\(path[1])/\(name)"
        return .json(.object(JSONObject([("url", .string(url)), ("size", .integer(Int64(content.count)))])), status: .created)
    }
}
