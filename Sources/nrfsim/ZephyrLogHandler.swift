import Firmware
import Foundation
import Logging
import Synchronization

/// Zephyr's log output on the board's console: `[00:00:05.123,456] <inf> azure_iot_hub: message`, the timestamp
/// being the board's uptime.
struct ZephyrLogHandler: LogHandler {
    let module: String
    let uptime: any Uptime
    let console: ZephyrConsole
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level: String
        switch event.level {
        case .trace, .debug: level = "dbg"
        case .info, .notice: level = "inf"
        case .warning: level = "wrn"
        case .error, .critical: level = "err"
        }
        self.console.write("\(Self.timestamp(self.uptime.microseconds)) <\(level)> \(self.module): \(event.message)\n")
    }

    /// `[hh:mm:ss.mmm,uuu]`.
    static func timestamp(_ microseconds: UInt64) -> String {
        let seconds = microseconds / 1_000_000
        return String(
            format: "[%02llu:%02llu:%02llu.%03llu,%03llu]", seconds / 3600, seconds / 60 % 60, seconds % 60,
            microseconds / 1000 % 1000, microseconds % 1000)
    }
}

/// The board's console (the UART Zephyr logs and prints to): standard output, one whole line per write.
final class ZephyrConsole: Sendable {
    private let lock = Mutex(())

    func write(_ text: String) {
        self.lock.withLock { _ in FileHandle.standardOutput.write(Data(text.utf8)) }
    }
}
