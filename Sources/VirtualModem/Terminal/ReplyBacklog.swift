import ATProtocol
import PTY

/// What the modem's UART holds between the client's input and its own replies: the commands read but not yet run,
/// and the replies not yet written.
///
/// While more than ``bound`` bytes of replies wait, no further command runs and no input is read: the client's
/// writes then block in the pseudo-terminal, as they would on a UART under hardware flow control (RTS/CTS), instead
/// of its replies being dropped or piling up without bound. One command's reply may pass the bound; no command
/// starts while it is passed.
struct ReplyBacklog {
    /// The most reply bytes kept waiting before commands stop running.
    let bound: Int
    private var replies: [UInt8] = []
    private var written = 0
    private var commands: [ATLineAssembler.Output] = []
    private var nextCommand = 0
    /// The most reply bytes that waited at once (for tests).
    private(set) var peakPending = 0

    init(bound: Int) {
        precondition(bound > 0)
        self.bound = bound
    }

    /// Reply bytes waiting to be written.
    var pending: Int { self.replies.count - self.written }

    /// Whether the UART should read input now: nothing read is still waiting to run, and the replies are under the
    /// bound.
    var wantsInput: Bool { self.nextCommand == self.commands.count && self.pending < self.bound }

    /// Queues what the line assembler made of one read.
    mutating func enqueue(_ outputs: [ATLineAssembler.Output]) {
        if self.nextCommand == self.commands.count {
            self.commands.removeAll(keepingCapacity: true)
            self.nextCommand = 0
        }
        self.commands += outputs
    }

    /// Runs queued commands, one at a time, while the replies are under the bound.
    mutating func run(_ execute: (ATLineAssembler.Output) -> [UInt8]) {
        while self.nextCommand < self.commands.count, self.pending < self.bound {
            let command = self.commands[self.nextCommand]
            self.nextCommand += 1
            self.replies += execute(command)
            self.peakPending = max(self.peakPending, self.pending)
        }
    }

    /// Writes what the terminal accepts of the waiting replies.
    mutating func drain(_ write: (ArraySlice<UInt8>) throws(PTYError) -> Int) throws(PTYError) {
        guard self.pending > 0 else { return }
        self.written += try write(self.replies[self.written...])
        if self.written == self.replies.count {
            self.replies.removeAll(keepingCapacity: true)
            self.written = 0
        } else if self.written >= self.bound {
            self.replies.removeFirst(self.written)
            self.written = 0
        }
    }
}
