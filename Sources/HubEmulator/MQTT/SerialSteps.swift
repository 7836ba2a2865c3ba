import NIOCore

/// A connection's packet handling, one step after the other in arrival order, on its event loop. A step returns nil
/// when it is done, or a future when it waits for the ``BlockingExecutor``; the steps after it run when that future
/// completes (MQTT 3.1.1 §4.6: a server must acknowledge PUBLISHes in order). Steps still run after the connection
/// closed: a PUBACK that arrived just before the close completes its message (their replies go nowhere).
///
/// Backpressure: while the connection's output is over its bound (the channel is not writable: the client does not
/// read what it is sent) no step runs, so nothing more is made for it; ``resume(_:)`` goes on once the output
/// drained. ``SessionIO/writabilityChanged(context:)`` stops the socket's reads meanwhile. The backlog has a bound of
/// its own: a client that pipelines requests faster than they are served (each waiting for the store) has its reads
/// held while ``maximumBacklog`` steps wait, until half of them ran. Without it the kernel's socket buffers (tens of
/// MB on loopback) hide a client that never reads for as long as it takes to fill them, and every request read
/// meanwhile waits here.
final class SerialSteps {
    static let maximumBacklog = 512

    private var backlog: [(ChannelHandlerContext) -> EventLoopFuture<Void>?] = []
    private var waiting = false
    private var paused = false
    private var full = false
    /// Called after a step that waited: writes queued meanwhile are flushed (the read cycle's own flush has passed).
    private let flush: (ChannelHandlerContext) -> Void
    /// Holds (true) or resumes (false) the connection's reads, for the backlog's bound.
    private let holdReads: (ChannelHandlerContext, Bool) -> Void

    init(flush: @escaping (ChannelHandlerContext) -> Void, holdReads: @escaping (ChannelHandlerContext, Bool) -> Void) {
        self.flush = flush
        self.holdReads = holdReads
    }

    func perform(_ context: ChannelHandlerContext, _ step: @escaping (ChannelHandlerContext) -> EventLoopFuture<Void>?) {
        self.backlog.append(step)
        if !self.full && self.backlog.count >= Self.maximumBacklog {
            self.full = true
            self.holdReads(context, true)
        }
        if !self.waiting && !self.paused { self.drain(context) }
    }

    /// The channel became writable again: the steps held back run.
    func resume(_ context: ChannelHandlerContext) {
        guard self.paused, context.channel.isWritable else { return }
        self.paused = false
        if !self.waiting {
            self.drain(context)
            self.flush(context)
        }
    }

    /// Nothing waits and nothing is queued: a step may run at once, in place of `perform` (without the closure it
    /// would queue), its outcome given to ``wait(for:context:)``.
    /// It is not while the steps are held back for backpressure, nor while the channel is not writable.
    func isIdle(_ context: ChannelHandlerContext) -> Bool {
        !self.waiting && !self.paused && self.backlog.isEmpty && (!context.channel.isActive || context.channel.isWritable)
    }

    /// After a step that ran at once because the steps were idle: the later ones wait for `pending`, if there is one.
    func wait(for pending: EventLoopFuture<Void>?, context: ChannelHandlerContext) {
        guard let pending else { return }
        self.waiting = true
        pending.assumeIsolated().whenComplete { _ in
            self.waiting = false
            if !self.paused { self.drain(context) }
            self.flush(context)
        }
    }

    private func drain(_ context: ChannelHandlerContext) {
        while !self.backlog.isEmpty {
            if context.channel.isActive && !context.channel.isWritable {
                self.paused = true
                self.flush(context)
                return
            }
            let step = self.backlog.removeFirst()
            if self.full && self.backlog.count <= Self.maximumBacklog / 2 {
                self.full = false
                self.holdReads(context, false)
            }
            guard let pending = step(context) else { continue }
            return self.wait(for: pending, context: context)
        }
    }
}
