import FirmwareConfig
import Testing

@testable import Firmware

@Suite("CONFIG_SIM_AZURE_IOT_HUB_RECONNECT's delays")
struct ReconnectBackoffTests {
    @Test("the first delay doubles after every attempt up to the longest, and starts again after a connection")
    func doubling() {
        var backoff = ReconnectBackoff(ReconnectConfiguration(initialSeconds: 5, maximumSeconds: 60, jitterPercent: 25))
        #expect((0..<6).map { _ in backoff.nextDelayMilliseconds(unit: 0.5) } == [5_000, 10_000, 20_000, 40_000, 60_000, 60_000])
        #expect(backoff.attempts == 6)
        backoff.reset()
        #expect(backoff.nextDelayMilliseconds(unit: 0.5) == 5_000)
    }

    @Test("the jitter spreads each delay by up to its percentage either way, and no further")
    func jitter() {
        var low = ReconnectBackoff(ReconnectConfiguration(initialSeconds: 4, maximumSeconds: 300, jitterPercent: 25))
        var high = low
        #expect(low.nextDelayMilliseconds(unit: 0) == 3_000)
        #expect(high.nextDelayMilliseconds(unit: 1) == 5_000)
        #expect(low.nextDelayMilliseconds(unit: -7) == 6_000)  // out of range: clamped to 0
        var none = ReconnectBackoff(ReconnectConfiguration(initialSeconds: 1, maximumSeconds: 1, jitterPercent: 0))
        #expect(none.nextDelayMilliseconds(unit: 0.93) == 1_000)
    }

    @Test("the options are read from the application's Kconfig: off by default, then with their defaults and ranges")
    func configuration() throws {
        #expect(try LibraryAgainstEmulatorTests.configuration([]).sample.reconnect == nil)
        let on = try LibraryAgainstEmulatorTests.configuration(["CONFIG_SIM_AZURE_IOT_HUB_RECONNECT=y"])
        #expect(on.sample.reconnect == ReconnectConfiguration(initialSeconds: 5, maximumSeconds: 300, jitterPercent: 25))
        let set = try LibraryAgainstEmulatorTests.configuration([
            "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT=y", "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT_DELAY_SEC=2",
            "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT_MAX_DELAY_SEC=30", "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT_JITTER_PERCENT=0",
        ])
        #expect(set.sample.reconnect == ReconnectConfiguration(initialSeconds: 2, maximumSeconds: 30, jitterPercent: 0))
    }
}
