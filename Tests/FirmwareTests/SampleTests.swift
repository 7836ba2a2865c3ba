import Testing

@testable import Firmware

@Suite("The sample's JSON")
struct SampleJSONTests {
    @Test func telemetryIsTheSamplesFormat() {
        #expect(SampleJSON.telemetry(uptimeMilliseconds: 16849) == #"{"temperature":25.9,"timestamp":16849}"#)
        #expect(SampleJSON.telemetry(uptimeMilliseconds: 20) == #"{"temperature":25.0,"timestamp":20}"#)
    }

    @Test(arguments: [
        (#"{"desired":{"telemetryInterval":60,"$version":2},"reported":{}}"#, false, .value(60)),
        (#"{"telemetryInterval":"15","$version":3}"#, true, .value(15)),
        (#"{"telemetryInterval":" -7 s"}"#, true, .value(-7)),  // atoi()
        (#"{"telemetryInterval":"abc"}"#, true, .value(0)),
        (#"{"telemetryInterval":12.9}"#, true, .value(12)),  // valueint truncates
        (#"{"telemetryInterval":1e12}"#, true, .value(Int32.max)),  // and saturates
        (#"{"TelemetryInterval":5}"#, true, .value(5)),  // cJSON_GetObjectItem() ignores case
        (#"{"desired":3,"telemetryInterval":5}"#, false, .absent),  // "desired" is there, but not an object
        (#"{"telemetryInterval":true}"#, true, .invalidFormat),
        (#"{"telemetryInterval":null}"#, true, .invalidFormat),
        (#"{"other":1}"#, true, .absent),
        ("not json", false, .notJSON),
    ] as [(String, Bool, SampleJSON.EventInterval.Field)])
    func telemetryIntervalFromTwinOrPatch(payload: String, rootIsDesired: Bool, field: SampleJSON.EventInterval.Field) {
        #expect(SampleJSON.eventInterval(Array(payload.utf8)) == .init(rootIsDesired: rootIsDesired, field: field))
    }

    @Test func reportedPatch() {
        #expect(SampleJSON.reportedInterval(7) == #"{"telemetryInterval":7}"#)
    }
}

@Suite("State machines")
struct StateMachineTests {
    @Test func libraryTransitionsAreTheCLibrarys() {
        #expect(AzureIoTHubState.uninit.canMove(to: .disconnected))
        #expect(AzureIoTHubState.disconnected.canMove(to: .connecting))
        #expect(AzureIoTHubState.connecting.canMove(to: .connected))
        #expect(AzureIoTHubState.connected.canMove(to: .disconnecting))
        #expect(AzureIoTHubState.disconnecting.canMove(to: .disconnected))
        #expect(!AzureIoTHubState.uninit.canMove(to: .connected))
        #expect(!AzureIoTHubState.disconnected.canMove(to: .connected))
        #expect(!AzureIoTHubState.connected.canMove(to: .connecting))
    }

    @Test func helperTransitions() {
        #expect(MQTTState.disconnected.canMove(to: .transportConnecting))
        #expect(MQTTState.transportConnecting.canMove(to: .connecting))
        #expect(MQTTState.connecting.canMove(to: .connected))
        #expect(MQTTState.connecting.canMove(to: .disconnected))
        #expect(!MQTTState.uninit.canMove(to: .connected))
        #expect(!MQTTState.connected.canMove(to: .connecting))
    }

    @Test func eventNumbersAreTheCEnums() {
        #expect(AzureIoTHubEventType.connecting.rawValue == 1)
        #expect(AzureIoTHubEventType.pingresp.rawValue == 8)
        #expect(AzureIoTHubEventType.errorMessageSize.rawValue == 19)
        #expect(AzureIoTHubEventType.error.rawValue == 20)
        #expect(AzureIoTHubEventType.twinResultFail.name == "AZURE_IOT_HUB_EVT_TWIN_RESULT_FAIL")
        #expect(AzureIoTHubTopicType.unknown.rawValue == 8)
        #expect(Errno.ENOTCONN == 128 && Errno.EALREADY == 120 && Errno.EMSGSIZE == 122)
    }
}

@Suite("Publish acknowledgements")
struct AcknowledgementTests {
    @Test func pubackAfterPublishReturnsTheLibrarysID() {
        var table = Acknowledgements()
        #expect(table.published(5, qos: 1, as: 4242) == nil)
        #expect(table.completed(5) == 4242)
        #expect(table.completed(5) == nil)
    }

    @Test func pubackBeforePublishReturnsIsReportedByThePublisher() {
        var table = Acknowledgements()
        #expect(table.completed(6) == nil)
        #expect(table.published(6, qos: 1, as: 7) == 7)
    }

    @Test func qosZeroCallbacksOnEitherSideLeaveNothingBehind() {
        var table = Acknowledgements()
        #expect(table.completed(1) == nil)  // written from inside mosquitto_publish()
        #expect(table.published(1, qos: 0, as: 1) == nil)
        #expect(table.published(2, qos: 0, as: 2) == nil)  // written later by the loop
        #expect(table.completed(2) == nil)
        // Both sides balanced: a QoS 1 message reusing id 1 is matched normally.
        #expect(table.published(1, qos: 1, as: 9) == nil)
        #expect(table.completed(1) == 9)
    }
}
