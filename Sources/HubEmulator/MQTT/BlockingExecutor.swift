import NIOCore
import NIOPosix

/// Where the session handlers run work that blocks (the store's disk I/O), so that it never runs on an event loop:
/// a `NIOThreadPool` in the server, the calling thread in `EmbeddedChannel` tests. The future completes on
/// `eventLoop`.
public protocol BlockingExecutor: Sendable {
    func run<T: Sendable>(on eventLoop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T>
}

extension NIOThreadPool: BlockingExecutor {
    public func run<T: Sendable>(on eventLoop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        self.runIfActive(eventLoop: eventLoop, work)
    }
}

/// Runs the work at once, on the caller's thread: for tests whose event loop is the test's own thread.
public struct InlineExecutor: BlockingExecutor {
    public init() {}

    public func run<T: Sendable>(on eventLoop: any EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        eventLoop.makeCompletedFuture(withResultOf: work)
    }
}
