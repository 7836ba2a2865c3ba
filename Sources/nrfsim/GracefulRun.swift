import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a service group until it ends, shutting it down gracefully on the first trapped signal.
enum GracefulRun {
    static func run(_ group: ServiceGroup, stoppingOn signals: UnixSignalsSequence, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await group.run()
            }
            tasks.addTask {
                for await signal in signals {
                    logger.info("received \(signal); shutting down")
                    await group.triggerGracefulShutdown()
                    return
                }
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
