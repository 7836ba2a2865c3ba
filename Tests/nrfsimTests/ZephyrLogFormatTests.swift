import Firmware
import Logging
import Testing

@testable import nrfsim

@Suite("Zephyr log format")
struct ZephyrLogFormatTests {
    @Test(arguments: [
        (UInt64(5_123_456), "[00:00:05.123,456]"), (0, "[00:00:00.000,000]"), (3_723_000_001, "[01:02:03.000,001]"),
    ])
    func timestampIsUptime(microseconds: UInt64, expected: String) {
        #expect(ZephyrLogHandler.timestamp(microseconds) == expected)
    }
}
