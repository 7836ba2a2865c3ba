import Testing

@testable import Firmware

/// `AZURE_IOT_HUB_EVT_DATA_RECEIVED` in the sample (main.c:215-219): the payload, and the properties only with
/// `CONFIG_SIM_SAMPLE_LOG_C2D_PROPERTIES`.
@Suite("The sample's cloud-to-device messages")
struct SampleCloudToDeviceTests {
    let logs = LogRecorder()

    func sample(_ assignments: [String] = []) throws -> AzureIoTHubSample {
        try SampleHandlerTests.sample(logging: self.logs, assignments)
    }

    func cloudToDevice(_ sample: AzureIoTHubSample) {
        sample.handleEvent(
            AzureIoTHubEvent(
                type: .dataReceived,
                data: .msg(AzureIoTHubMsg(topic: .init(type: .deviceBound), payload: Array("hello".utf8))),
                topic: .init(type: .deviceBound, name: "devices/d/messages/devicebound/color=blue",
                             properties: [.init(key: "color", value: "blue")])))
    }

    @Test func cloudToDevicePropertiesAreNotLoggedByDefault() throws {
        let sample = try self.sample()
        defer { sample.halt() }
        self.cloudToDevice(sample)
        #expect(self.logs.entries == ["<inf> AZURE_IOT_HUB_EVT_DATA_RECEIVED", "<inf> Received payload: hello"])
    }

    @Test func theSimulatorOptionLogsCloudToDeviceProperties() throws {
        let sample = try self.sample(["CONFIG_SIM_SAMPLE_LOG_C2D_PROPERTIES=y"])
        defer { sample.halt() }
        self.cloudToDevice(sample)
        #expect(self.logs.entries.last == "<inf> Property: color = blue")
    }
}
