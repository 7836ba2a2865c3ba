import NIOCore
import NIOPosix

/// What answers a request: `ServiceAPI.route(_:on:)`. It may complete at once or later (a direct method waits for
/// the device's reply, the telemetry stream for the next event), and it may fail with a ``IoTHubError``.
public typealias HTTPRoute = @Sendable (HTTPRequest, any EventLoop) -> EventLoopFuture<HTTPResponse>

/// Runs a route off the event loop and turns its outcome into a response on the channel's event loop.
///
/// Why a thread pool: the route handlers read and write the hub's SQLite database through `HubCore` and
/// `HubStore`, synchronously. An event loop is shared by many channels (the MQTT devices share the group with
/// HTTPS), so SwiftNIO asks that nothing running on it block, or every channel on that loop stalls
/// (https://swiftpackageindex.com/apple/swift-nio/documentation/niocore/eventloop); blocking work with no
/// non-blocking API belongs on a `NIOThreadPool`
/// (https://swiftpackageindex.com/apple/swift-nio/documentation/nioposix/niothreadpool). So the route is invoked
/// on the pool: the future it returns (made on the channel's loop, which is passed in) is flattened and hopped
/// back to that loop, where the response is written. Routes that complete later keep working: their promise
/// lives on the channel's loop and only the synchronous part of the route ran on the pool.
struct HTTPRouter: Sendable {
    let route: HTTPRoute
    let threadPool: NIOThreadPool

    /// The response to `request`, on `eventLoop`; never failed: a ``IoTHubError`` becomes IoT Hub's error
    /// response, any other error (the pool shut down, say) a 500 `ServerError`.
    func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        let route = self.route
        return self.threadPool.runIfActive(eventLoop: eventLoop) { route(request, eventLoop) }
            .flatMap { $0 }
            .hop(to: eventLoop)
            .recover { error in
                if let error = error as? IoTHubError { return .error(error) }
                return .error(IoTHubError.serverError("\(error)"))
            }
    }
}
