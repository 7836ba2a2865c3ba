import FirmwareConfig
import Foundation
import Logging
import Testing

@testable import Firmware

/// The library's events and return codes that need no connection, against nrfconnect/sdk-nrf v2.9.0
/// `subsys/net/lib/azure_iot_hub/src/azure_iot_hub.c`.
@Suite("Azure IoT Hub library events")
struct LibraryEventTests {
    static func library() throws -> (AzureIoTHub, MQTTHelper) {
        let configuration = try LibraryAgainstEmulatorTests.configuration([])
        let helper = MQTTHelper(
            settings: MQTTHelperSettings(
                port: 8883, secTag: 10, secondarySecTag: nil, keepAliveSeconds: 60, cleanSession: false,
                payloadBufferLength: 4096, sendTimeoutSeconds: 5, staticIPAddress: nil, lastWill: nil, certificatesFolder: nil),
            tls: .native(TLSCredentials()), resolver: .system, logger: Logger(label: "mqtt_helper"))
        let hub = AzureIoTHub(
            hub: configuration.hub, fixes: SimulatorFixes(), helper: helper, dps: nil, uptime: ManualUptime(microseconds: 0),
            logger: Logger(label: "azure_iot_hub"))
        return (HaltedImages.keep(hub), helper)
    }

    /// `direct_method_process()` (:288-294) and `device_twin_result_process()` (:207-211) make events of their own
    /// whose topic has only a name: its type is 0, `AZURE_IOT_HUB_TOPIC_DEVICEBOUND`. A desired patch keeps
    /// `on_publish()`'s `TWIN_DESIRED` (:365-366).
    @Test func methodAndTwinResponseEventsHaveTopicTypeZero() throws {
        let (hub, _) = try Self.library()
        let recorder = EventRecorder()
        #expect(hub.initialize(recorder.handler) == 0)
        let method = "$iothub/methods/POST/led/?$rid=1"
        hub.onPublish(topic: method, payload: Array("1".utf8))
        hub.onPublish(topic: "$iothub/twin/res/200/?$rid=5", payload: Array(#"{"desired":{},"reported":{}}"#.utf8))
        hub.onPublish(topic: "$iothub/twin/res/204/?$rid=6&$version=2", payload: [])
        hub.onPublish(topic: "$iothub/twin/res/404/?$rid=7", payload: [])
        hub.onPublish(topic: "$iothub/twin/PATCH/properties/desired/?$version=3", payload: Array("{}".utf8))
        // on_publish() raises its events in the MQTT helper's thread before it returns: here, this one.
        #expect(recorder.types == [.directMethod, .twinReceived, .twinResultSuccess, .twinResultFail, .twinDesiredReceived])
        let topics = try [AzureIoTHubEventType.directMethod, .twinReceived, .twinResultSuccess, .twinResultFail]
            .map { try #require(recorder.wait(for: $0)).topic }
        #expect(topics.map(\.type) == [.deviceBound, .deviceBound, .deviceBound, .deviceBound])
        #expect(topics.first?.name == method)
        #expect(try #require(recorder.wait(for: .twinDesiredReceived)).topic.type == .twinDesired)
    }

    /// `azure_iot_hub_send()` (:931-943) and `azure_iot_hub_method_respond()` (:1100-1111) take a message id from
    /// `mqtt_helper_msg_id_get()` before they find the library not connected.
    @Test func aRefusedSendStillUsesAMessageID() throws {
        let (hub, helper) = try Self.library()
        let first = helper.messageIDGet()
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .event), payload: [])) == -Errno.ENOTCONN)
        #expect(hub.send(AzureIoTHubMsg(topic: .init(type: .event), payload: [], messageID: 900)) == -Errno.ENOTCONN)
        #expect(hub.methodRespond(AzureIoTHubResult(requestID: "1", status: 200, payload: [])) == -Errno.ENOTCONN)
        #expect(helper.messageIDGet() == first + 3)
    }
}
