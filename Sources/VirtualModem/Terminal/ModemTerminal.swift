import ATProtocol
import Foundation
import Logging
import PTY
import Synchronization

/// The modem's UART as a pseudo-terminal: frames bytes into commands and writes replies, one command at a time.
///
/// Runs on its own thread (``run()``) until ``stop()``. A partial command that sees no input for ``idleTimeout``
/// (an unbalanced quote, say) is discarded so the port cannot wedge.
public final class ModemTerminal: Sendable {
    public let modem: Modem
    public let pty: PseudoTerminal
    public let idleTimeout: Duration
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// The reply bytes kept waiting for a client that does not read before the UART stops reading commands.
    static let replyBound = 64 * 1024
    /// The most reply bytes that waited at once since ``start()`` (for tests).
    var peakPendingReplies: Int { self.peakPending.load(ordering: .relaxed) }
    private let peakPending = Atomic<Int>(0)

    public init(modem: Modem, pty: PseudoTerminal, idleTimeout: Duration = .seconds(2), logger: Logger) {
        self.modem = modem
        self.pty = pty
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// Writes the at_client sample's boot banner.
    public func writeBanner() {
        _ = try? self.pty.writeAvailable(ArraySlice("The AT host sample started\r\nReady\r\n".utf8))
    }

    /// Starts the read loop on its own thread, once; later calls do nothing.
    public func start() {
        guard !self.started.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let thread = Thread { [self] in
            self.loop()
            let waiters = self.finished.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        thread.name = "modem-uart"
        thread.start()
    }

    /// Starts the read loop (if it is not running yet) and returns when it has stopped.
    public func run() async {
        self.start()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let alreadyDone = self.finished.withLock { state -> Bool in
                    if !state.done { state.waiters.append(continuation) }
                    return state.done
                }
                if alreadyDone { continuation.resume() }
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Asks the loop to stop; it does within one poll interval.
    public func stop() {
        self.stopRequested.store(true, ordering: .sequentiallyConsistent)
    }

    private func loop() {
        var assembler = ATLineAssembler()
        var backlog = ReplyBacklog(bound: Self.replyBound)
        let clock = ContinuousClock()
        var lastInput = clock.now
        while !self.stopRequested.load(ordering: .relaxed) {
            let reading = backlog.wantsInput
            let ready = self.pty.wait(timeoutMilliseconds: 50, wantRead: reading, wantWrite: backlog.pending > 0)
            if ready.readable {
                let bytes: [UInt8]
                do {
                    bytes = try self.pty.readAvailable()
                } catch {
                    self.logger.error("modem UART read failed: \(error)")
                    return
                }
                if !bytes.isEmpty { lastInput = clock.now }
                backlog.enqueue(assembler.feed(bytes))
            } else if !reading {
                lastInput = clock.now  // input waits for the client to read; it is not idle
            } else if assembler.hasPartialCommand, clock.now - lastInput > self.idleTimeout {
                let count = assembler.discardPartialCommand()
                self.logger.warning("discarded an unterminated AT command of \(count) bytes after \(self.idleTimeout) idle")
            }
            backlog.run { output in
                switch output {
                case .command(let line): self.modem.handle(line: line)
                case .overflow(let length): self.modem.handleOverflow(length: length)
                }
            }
            do {
                try backlog.drain { bytes throws(PTYError) in try self.pty.writeAvailable(bytes) }
            } catch {
                self.logger.error("modem UART write failed: \(error)")
                return
            }
            self.peakPending.store(backlog.peakPending, ordering: .relaxed)
        }
    }
}
