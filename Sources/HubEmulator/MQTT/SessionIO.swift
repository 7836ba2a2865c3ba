import Logging
import MQTTCodec
import NIOCore
import NIOSSL

/// What the hub's and DPS's MQTT session handlers share: writes flushed once per read cycle, the keep-alive watchdog
/// (1.5 × the client's keep-alive), CONNECT refusals and protocol violations, each logged with the client and reason.
final class SessionIO {
    let logger: Logger
    var keepAlive: TimeAmount = .zero
    var lastActivity = NIODeadline.now()
    var peer = "?"
    /// Who the connection is, for the log (the device or registration id once known).
    var client = "-"
    private var needsFlush = false
    private var unwritable = false
    private var backlogFull = false
    private var readsHeld = false
    private var pubAck: ByteBuffer?
    /// The loop's shared tick (the listener's sessions), or nil: then the session has a repeated task of its own.
    private let ticker: SessionTicker?
    private var timer: RepeatedTask?
    private var started = false

    init(logger: Logger, ticker: SessionTicker? = nil) {
        self.logger = logger
        self.ticker = ticker
    }

    /// Starts the once-a-second watchdog; `check` adds the handler's own deadlines (it closes the connection itself).
    /// Time is the event loop's (`EventLoop.now`), so an `EmbeddedEventLoop` drives it in tests.
    func start(context: ChannelHandlerContext, check: @escaping (ChannelHandlerContext) -> Void) {
        guard !self.started else { return }
        self.started = true
        self.peer = context.remoteAddress?.description ?? "?"
        self.lastActivity = context.eventLoop.now
        if let ticker = self.ticker, ticker.eventLoop === context.eventLoop {
            ticker.join(self) { self.tick(context: context, check: check) }
            return
        }
        // Everything the task touches belongs to this event loop; the task is cancelled when the channel goes inactive.
        let bound = NIOLoopBound((io: self, context: context, check: check), eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let (io, context, check) = bound.value
            io.tick(context: context, check: check)
        }
    }

    /// A second has passed: the keep-alive deadline, then the handler's own.
    private func tick(context: ChannelHandlerContext, check: (ChannelHandlerContext) -> Void) {
        if self.keepAlive > .zero, context.eventLoop.now - self.lastActivity > .nanoseconds(self.keepAlive.nanoseconds * 3 / 2) {
            self.violation(context: context, "keep-alive expired (no packet for 1.5 × \(self.keepAlive.nanoseconds / 1_000_000_000) s)")
        } else {
            check(context)
        }
    }

    /// Stops the watchdog and lets go of it (and of what its check holds).
    func stop() {
        self.ticker?.leave(self)
        self.timer?.cancel()
        self.timer = nil
    }

    /// Queues a packet; the queue is flushed once per read cycle (`flushIfNeeded` from `channelReadComplete`), so a
    /// burst of requests costs one TLS record write for all of its replies.
    func write(context: ChannelHandlerContext, _ packet: MQTTPacket) {
        let bytes = packet.encoded()
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(NIOAny(buffer), promise: nil)
        self.needsFlush = true
    }

    /// A PUBACK: four bytes straight into a buffer (the telemetry hot path). The buffer is kept and written into
    /// again next time: by then the TLS handler has encrypted and released the last PUBACK, so it is not reallocated.
    func writePubAck(context: ChannelHandlerContext, packetID: UInt16) {
        if self.pubAck == nil { self.pubAck = context.channel.allocator.buffer(capacity: 4) }
        self.pubAck!.clear()
        self.pubAck!.writeInteger(UInt32(0x4002_0000) | UInt32(packetID))
        context.write(NIOAny(self.pubAck!), promise: nil)
        self.needsFlush = true
    }

    /// Backpressure: while the client does not read what it is sent (the channel is not writable: its output is over
    /// the write buffer's high-water mark), or while too many of its requests wait (``SerialSteps/maximumBacklog``),
    /// the socket is not read, so the client cannot make the hub queue more for it; reading goes on once both
    /// cleared. This is `BackPressureHandler`'s job, done here with the channel's `autoRead`, so that no handler of its
    /// own sits in the telemetry path (five more pipeline hops per message: read, read complete, the read request,
    /// write and flush).
    func writabilityChanged(context: ChannelHandlerContext) {
        self.unwritable = !context.channel.isWritable
        self.updateReading(context: context)
    }

    /// The session's backlog is full (true) or has room again (false).
    func holdReads(context: ChannelHandlerContext, _ hold: Bool) {
        self.backlogFull = hold
        self.updateReading(context: context)
    }

    private func updateReading(context: ChannelHandlerContext) {
        let hold = self.unwritable || self.backlogFull
        guard hold != self.readsHeld, context.channel.isActive else { return }
        self.readsHeld = hold
        do {
            try context.channel.syncOptions?.setOption(.autoRead, value: !hold)
        } catch {
            self.violation(context: context, "could not \(hold ? "pause" : "resume") reading: \(error)")
        }
    }

    func flushIfNeeded(context: ChannelHandlerContext) {
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
    }

    /// Answers a CONNECT with a refusal and closes.
    func refuse(context: ChannelHandlerContext, _ code: ConnectReturnCode) {
        self.write(context: context, .connack(sessionPresent: false, returnCode: code))
        self.flushIfNeeded(context: context)
        context.close(promise: nil)
    }

    /// An error in the pipeline: a client that hangs up without TLS close_notify (as the Python SDKs do) is just
    /// closed; anything else is a violation.
    func errorCaught(context: ChannelHandlerContext, _ error: any Error) {
        if case NIOSSLError.uncleanShutdown = error { return context.close(promise: nil) }
        self.violation(context: context, "\(error)")
    }

    func violation(context: ChannelHandlerContext, _ reason: String) {
        self.logger.warning(
            "protocol violation: connection closed", metadata: ["client": "\(self.client)", "peer": "\(self.peer)", "reason": "\(reason)"])
        context.close(promise: nil)
    }
}
