import FirmwareConfig
import Foundation
import Logging
import Synchronization
import Testing

@testable import Firmware

/// The sample's `telemetryInterval` handling as samples/net/azure_iot_hub/src/main.c (nrfconnect/sdk-nrf v2.9.0)
/// writes it (main.c:73-148, :271-311, :351-391). The library is not connected, so every send fails with `-ENOTCONN`.
@Suite("The sample's handlers")
struct SampleHandlerTests {
    let logs = LogRecorder()

    func sample(_ assignments: [String] = []) throws -> AzureIoTHubSample {
        try Self.sample(logging: self.logs, assignments)
    }

    /// The sample on an nRF7002 DK configuration with `assignments`, logging into `logs`.
    static func sample(logging logs: LogRecorder, _ assignments: [String]) throws -> AzureIoTHubSample {
        let configuration = try LibraryAgainstEmulatorTests.configuration(assignments)
        let helper = MQTTHelper(
            settings: MQTTHelperSettings(
                port: 8883, secTag: 10, secondarySecTag: nil, keepAliveSeconds: 60, cleanSession: false,
                payloadBufferLength: 4096, sendTimeoutSeconds: 5, staticIPAddress: nil, lastWill: nil, certificatesFolder: nil),
            tls: .native(TLSCredentials()), resolver: .system, logger: Logger(label: "mqtt_helper"))
        let hub = AzureIoTHub(
            hub: configuration.hub, fixes: SimulatorFixes(), helper: helper, dps: nil, uptime: ManualUptime(microseconds: 0),
            logger: Logger(label: "azure_iot_hub"))
        return HaltedImages.keep(
            AzureIoTHubSample(
                hub: HaltedImages.keep(hub), dps: nil, network: WiFiLink(), hwID: nil, configuration: configuration,
                uptime: ManualUptime(microseconds: 0), logger: logs.logger("azure_iot_hub_sample")))
    }

    /// Raises `TWIN_DESIRED_RECEIVED` with `payload` and waits until the application work queue has handled it.
    func desired(_ sample: AzureIoTHubSample, _ payload: String) {
        sample.handleEvent(
            AzureIoTHubEvent(
                type: .twinDesiredReceived,
                data: .msg(AzureIoTHubMsg(topic: .init(type: .twinDesired), payload: Array(payload.utf8))),
                topic: .init(type: .twinDesired)))
        let drained = KSemaphore(initial: 0, limit: 1)
        sample.workQueue.submit { drained.give() }
        #expect(drained.take(timeoutSeconds: 10))
    }

    func interval(_ sample: AzureIoTHubSample) -> Int { sample.eventInterval.withLock { $0 } }

    @Test func aNegativeDesiredIntervalIsNeitherReportedNorApplied() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        self.desired(sample, #"{"telemetryInterval":-5,"$version":2}"#)
        #expect(self.interval(sample) == 20)
        #expect(!self.logs.entries.contains { $0.contains("twin report") || $0.contains("applied") })
    }

    /// twin_report_work_fn() returns only for a negative interval (main.c:364): 0 is reported, and then
    /// event_interval_apply() ignores it (main.c:126-128).
    @Test func aZeroDesiredIntervalIsReportedButNotApplied() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        self.desired(sample, #"{"telemetryInterval":0,"$version":2}"#)
        #expect(self.logs.entries.contains("<err> Failed to send twin report"))  // the report was attempted
        #expect(self.interval(sample) == 20)
    }

    @Test func anIntervalWhoseReportFailedIsNotApplied() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        self.desired(sample, #"{"telemetryInterval":7,"$version":2}"#)
        #expect(self.interval(sample) == 20)
        #expect(self.logs.entries.contains("<err> Failed to send twin report"))
        #expect(!self.logs.entries.contains { $0.contains("applied") })
    }

    @Test func aPatchThatIsNotJSONKeepsTheReceiveBuffer() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        self.desired(sample, "not json")
        #expect(self.logs.entries.contains("<err> Could not parse properties object"))
        // main.c:80-81 returns before k_sem_give(&recv_buf_sem): the next patch finds the buffer busy.
        self.desired(sample, #"{"telemetryInterval":7}"#)
        #expect(self.logs.entries.contains("<wrn> Recv buffer is busy, data was not copied"))
    }

    @Test func anIntervalThatIsNeitherStringNorNumberIsAWarning() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        self.desired(sample, #"{"telemetryInterval":true}"#)
        #expect(self.logs.entries.contains("<dbg> Incoming device twin document contains only the 'desired' object"))
        #expect(self.logs.entries.contains("<wrn> Invalid telemetry interval format received"))
        #expect(self.interval(sample) == 20)
    }

    @Test func theTwinsIntervalIsReadWithAtoi() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        func twin(_ payload: String) {
            sample.handleEvent(
                AzureIoTHubEvent(
                    type: .twinReceived, data: .msg(AzureIoTHubMsg(topic: .init(type: .deviceBound), payload: Array(payload.utf8)))))
        }
        twin(#"{"desired":{"telemetryInterval":0},"reported":{}}"#)
        #expect(self.interval(sample) == 20)  // event_interval_apply() ignores 0
        twin(#"{"desired":{"telemetryInterval":"12abc"},"reported":{}}"#)
        #expect(self.interval(sample) == 12)
    }

    @Test func theEventReportingStopsAtErrorLevel() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        sample.eventInterval.withLock { $0 = 0 }
        sample.sendEvent()
        #expect(self.logs.entries.contains("<err> Failed to send event"))
        #expect(self.logs.entries.contains("<err> The event reporting stops, interval is set to 0"))
    }
}
