import Foundation
import Logging
import Synchronization

/// A logger whose lines (level and message) a test reads back, from whatever thread wrote them.
final class LogRecorder: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])

    /// A logger at `level` that records into this recorder.
    func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    /// Every line so far, as `<lvl> message` with Zephyr's level names.
    var entries: [String] {
        self.lines.withLock { lines in
            lines.map { line in
                let level = switch line.level {
                case .trace, .debug: "dbg"
                case .info, .notice: "inf"
                case .warning: "wrn"
                default: "err"
                }
                return "<\(level)> \(line.message)"
            }
        }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String) {
        self.lines.withLock { $0.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            self.recorder.append(event.level, "\(event.message)")
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
