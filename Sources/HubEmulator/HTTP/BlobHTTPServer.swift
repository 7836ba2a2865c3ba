import Logging
import NIOCore
import NIOPosix

/// Blob storage over plain HTTP, on a port of its own: what a device reads when its firmware package URL says
/// `http://` (Azure Storage serves HTTP unless the account requires secure transfer, "Require secure transfer to
/// ensure secure connections", learn.microsoft.com/azure/storage/common/storage-require-secure-transfer). Only
/// anonymous blob reads are answered here; the service and admin APIs stay on HTTPS. The bounds, deadlines and
/// connection admission are the HTTPS listener's.
enum BlobHTTPServer {
    static func start(
        api: ServiceAPI, host: String, port: Int, group: any EventLoopGroup, threadPool: NIOThreadPool, limits: Limits,
        admission: ConnectionAdmission, logger: Logger
    ) async throws -> any Channel {
        try await HTTPSServer.listen(
            tls: nil, host: host, port: port, group: group, threadPool: threadPool, limits: limits, admission: admission,
            logger: logger, checkHead: { api.checkBlobHead($0) }, route: { request, loop in api.blobRoute(request, on: loop) })
    }
}

extension ServiceAPI {
    /// The HTTP listener's only route: a blob read.
    func blobRoute(_ request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        do {
            guard let account = Self.blobAccount(request) else { throw Self.notABlobRead }
            return eventLoop.makeSucceededFuture(try self.blobRead(request, account: account))
        } catch {
            return eventLoop.makeFailedFuture(self.logged(error, request))
        }
    }

    /// The HTTP listener's head check: anything but a blob endpoint is refused before its body is read.
    func checkBlobHead(_ request: HTTPRequest) -> IoTHubError? {
        Self.blobAccount(request) == nil ? Self.notABlobRead : nil
    }

    static let notABlobRead = IoTHubError.notFound(
        "this port serves blob reads only (Host: <account>\(blobHostSuffix)); the service API is on HTTPS")
}
