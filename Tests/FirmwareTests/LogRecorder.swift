import Foundation
import Logging
import Synchronization

/// A logger whose lines (level and message) a test reads back, from whatever thread wrote them.
final class LogRecorder: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String, label: String)]>([])

    /// A logger at `level` that records into this recorder.
    func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { label in Handler(recorder: self, label: label) }
        logger.logLevel = level
        return logger
    }

    /// Every line so far, as `<lvl> message` with Zephyr's level names.
    var entries: [String] {
        self.lines.withLock { lines in lines.map { "<\(Self.zephyrLevel($0.level))> \($0.message)" } }
    }

    /// Every line so far as a board prints it after the timestamp: `<lvl> module: message` (the logger's label).
    var console: [String] {
        self.lines.withLock { lines in lines.map { "<\(Self.zephyrLevel($0.level))> \($0.label): \($0.message)" } }
    }

    static func zephyrLevel(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "dbg"
        case .info, .notice: "inf"
        case .warning: "wrn"
        default: "err"
        }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String, label: String) {
        self.lines.withLock { $0.append((level, message, label)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            self.recorder.append(event.level, "\(event.message)", label: self.label)
        }
    }
}

/// Firmware objects a test made: kept for the rest of the process once the test ends, as the board keeps a halted
/// image, because their work queues and threads hold unowned references to them.
enum HaltedImages {
    private static let kept = Mutex<[any AnyObject & Sendable]>([])

    static func keep<Object: AnyObject & Sendable>(_ object: Object) -> Object {
        self.kept.withLock { $0.append(object) }
        return object
    }
}
