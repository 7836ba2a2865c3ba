import Firmware
import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// Zephyr's log output on the board's console: `[00:00:05.123,456] <inf> azure_iot_hub: message`, the timestamp
/// being the board's uptime.
struct ZephyrLogHandler: LogHandler {
    let module: String
    let uptime: any Uptime
    let console: ZephyrConsole
    /// `CONFIG_LOG_THREAD_ID_PREFIX`'s prefix, if on.
    var threadPrefix: LoggingConfiguration.ThreadPrefix?
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        self.console.write(self.line(event.level, "\(event.message)", at: self.uptime.microseconds))
    }

    /// One console line, as Zephyr's log_output.c formats it.
    func line(_ eventLevel: Logger.Level, _ message: String, at microseconds: UInt64) -> String {
        let level: String
        switch eventLevel {
        case .trace, .debug: level = "dbg"
        case .info, .notice: level = "inf"
        case .warning: level = "wrn"
        case .error, .critical: level = "err"
        }
        return "\(Self.timestamp(microseconds)) <\(level)> \(self.thread)\(self.module): \(message)\n"
    }

    /// `ids_print()` in Zephyr's log_output.c: `[name] ` with CONFIG_THREAD_NAME, else `[address] `.
    private var thread: String {
        guard let prefix = self.threadPrefix else { return "" }
        let name = KernelThread.name ?? Thread.current.name ?? ""
        switch prefix {
        case .name: return "[\(name)] "
        case .address: return "[\(ThreadAddresses.shared.address(of: name))] "
        }
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

/// Stand-ins for `struct k_thread` addresses, which a thread prefix without names prints (`%p`): one per thread
/// name, in RAM order from 0x20001000, in the order they first log.
final class ThreadAddresses: Sendable {
    static let shared = ThreadAddresses()
    private let addresses = Mutex<[String: Int]>([:])

    func address(of name: String) -> String {
        let value = self.addresses.withLock { table -> Int in
            if let known = table[name] { return known }
            let next = 0x2000_1000 + 0x100 * table.count
            table[name] = next
            return next
        }
        return "0x" + String(value, radix: 16)
    }
}
