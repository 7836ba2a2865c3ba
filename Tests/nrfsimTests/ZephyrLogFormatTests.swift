import Firmware
import FirmwareConfig
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

    @Test("CONFIG_LOG_THREAD_ID_PREFIX prints the thread's name after the level, or with no names its address")
    func threadPrefix() {
        let console = ZephyrConsole()
        let named = ZephyrLogHandler(module: "azure_iot_hub_sample", uptime: MonotonicUptime(), console: console, threadPrefix: .name)
        let plain = ZephyrLogHandler(module: "azure_iot_hub_sample", uptime: MonotonicUptime(), console: console)
        KernelThread.run(named: "mqtt_helper_thread") {
            #expect(named.line(.info, "AZURE_IOT_HUB_EVT_READY", at: 17) == "[00:00:00.000,017] <inf> [mqtt_helper_thread] azure_iot_hub_sample: AZURE_IOT_HUB_EVT_READY\n")
            #expect(plain.line(.info, "AZURE_IOT_HUB_EVT_READY", at: 17) == "[00:00:00.000,017] <inf> azure_iot_hub_sample: AZURE_IOT_HUB_EVT_READY\n")
        }
        // The sample's work queue has no name (main.c:440-442): "[] ".
        KernelThread.run(named: "") {
            #expect(named.line(.error, "Failed to send event", at: 0) == "[00:00:00.000,000] <err> [] azure_iot_hub_sample: Failed to send event\n")
        }
        let addressed = ZephyrLogHandler(module: "azure_fota", uptime: MonotonicUptime(), console: console, threadPrefix: .address)
        KernelThread.run(named: "download_client") {
            let first = addressed.line(.info, "x", at: 0)
            #expect(first.hasPrefix("[00:00:00.000,000] <inf> [0x2000"))
            #expect(addressed.line(.info, "x", at: 0) == first)  // one address a thread
        }
    }
}
