import ArgumentParser
import Logging

/// Options every long-running command shares for its log output (written to standard error).
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var level: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: self.level) != nil else {
            throw ValidationError("--log-level: unknown level \"\(self.level)\"")
        }
    }

    /// Sets up swift-log for the process. Only the composition root calls this.
    func bootstrap(label: String) -> Logger {
        let level = Logger.Level(rawValue: self.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
