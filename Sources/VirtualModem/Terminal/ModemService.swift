import ServiceLifecycle

/// The modem's UART as a long-running service: serves the pty until graceful shutdown.
public struct ModemService: Service {
    public let terminal: ModemTerminal

    public init(terminal: ModemTerminal) {
        self.terminal = terminal
    }

    public func run() async throws {
        let terminal = self.terminal
        await withGracefulShutdownHandler {
            await terminal.run()
        } onGracefulShutdown: {
            terminal.stop()
        }
    }
}
