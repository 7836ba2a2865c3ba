import Testing
@testable import IoTHubTopics

/// Topic fixtures: what azure-iot-device 2.14.0 sent to a local TLS stub (captured on the wire), and the topics the
/// hub uses as learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub describes them.
@Suite("IoT Hub topics")
struct TopicTests {
    @Test("the Python SDK's telemetry topic: system and application properties, percent-encoded")
    func telemetry() throws {
        let topic = "devices/dev1/messages/events/%24.mid=m-1&%24.ct=application%2Fjson&%24.ce=utf-8&sensor=a%20b%2Fc%26d%3D%C3%A9"
        guard case .telemetry(let device, let module, let bag) = try DeviceToHubTopic.parse(topic) else {
            Issue.record("not telemetry")
            return
        }
        #expect(device == "dev1" && module == nil)
        #expect(bag.systemProperties.map(\.key) == ["$.mid", "$.ct", "$.ce"])
        #expect(bag["$.ct"] == "application/json")
        #expect(bag["sensor"] == "a b/c&d=é")
        #expect(bag.encoded == "%24.mid=m-1&%24.ct=application%2Fjson&%24.ce=utf-8&sensor=a%20b%2Fc%26d%3D%C3%A9")
    }

    @Test("telemetry topic forms: no slash, a trailing slash, a '?' bag, a module, '+' kept literal")
    func telemetryForms() throws {
        #expect(try DeviceToHubTopic.parse("devices/d/messages/events") == .telemetry(deviceID: "d", moduleID: nil, properties: PropertyBag()))
        #expect(try DeviceToHubTopic.parse("devices/d/messages/events/") == .telemetry(deviceID: "d", moduleID: nil, properties: PropertyBag()))
        #expect(try DeviceToHubTopic.parse("devices/d/messages/events/?a=1&flag&e=")
            == .telemetry(deviceID: "d", moduleID: nil, properties: PropertyBag([("a", "1"), ("flag", nil), ("e", "")])))
        #expect(try DeviceToHubTopic.parse("devices/d/modules/m/messages/events/x=1")
            == .telemetry(deviceID: "d", moduleID: "m", properties: PropertyBag([("x", "1")])))
        #expect(try DeviceToHubTopic.parse("devices/d/messages/events/k=1+2")
            == .telemetry(deviceID: "d", moduleID: nil, properties: PropertyBag([("k", "1+2")])))
    }

    @Test("twin and method topics from the device")
    func deviceRequests() throws {
        #expect(try DeviceToHubTopic.parse("$iothub/twin/GET/?$rid=ad6630b1-dc32-4300-ac45-6fa22b85e358") == .twinGet(requestID: "ad6630b1-dc32-4300-ac45-6fa22b85e358"))
        #expect(try DeviceToHubTopic.parse("$iothub/twin/PATCH/properties/reported/?$rid=8") == .twinReportedPatch(requestID: "8"))
        #expect(try DeviceToHubTopic.parse("$iothub/methods/res/200/?$rid=1") == .methodResponse(status: 200, requestID: "1"))
    }

    @Test("topics the hub answers by closing the connection", arguments: [
        ("devices//messages/events/", "'devices//messages/events/' is not a telemetry topic"),
        ("devices/d/messages/devicebound/x", "'devices/d/messages/devicebound/x' is not a telemetry topic"),
        ("devices/d/messages/events/a=1&a=2", "the property 'a' appears twice in 'a=1&a=2'"),
        ("devices/d/messages/events/a=%zz", "a bad percent-escape in '%zz'"),
        ("$iothub/twin/GET/", "'$iothub/twin/GET/' has no '/?' query"),
        ("$iothub/twin/GET/?rid=1", "'$iothub/twin/GET/?rid=1' has no $rid (1–128 characters)"),
        ("$iothub/methods/res/ok/?$rid=1", "'$iothub/methods/res/ok/?$rid=1' has no numeric status"),
        ("$iothub/unknown", "'$iothub/unknown' is not an IoT Hub device topic"),
    ])
    func rejected(_ topic: String, _ reason: String) {
        #expect(throws: TopicError(reason)) { try DeviceToHubTopic.parse(topic) }
    }

    @Test("the hub's C2D topic: %24 and %2F encoded, no '?', null and empty values, trailing slash kept")
    func cloudToDevice() throws {
        let bag = PropertyBag([
            ("$.mid", "msg-1"), ("$.to", "/devices/dev1/messages/devicebound"), ("$.ct", "application/json"),
            ("$.ce", "utf-8"), ("color", "blüe"), ("flag", nil),
        ])
        let topic = HubToDeviceTopic.cloudToDevice(deviceID: "dev1", properties: bag).topic
        #expect(topic == "devices/dev1/messages/devicebound/%24.mid=msg-1&%24.to=%2Fdevices%2Fdev1%2Fmessages%2Fdevicebound&%24.ct=application%2Fjson&%24.ce=utf-8&color=bl%C3%BCe&flag")
        #expect(try HubToDeviceTopic.parse(topic) == .cloudToDevice(deviceID: "dev1", properties: bag))
        #expect(HubToDeviceTopic.cloudToDevice(deviceID: "d", properties: PropertyBag()).topic == "devices/d/messages/devicebound/")
    }

    @Test("twin responses, desired patches and method requests round-trip")
    func hubTopics() throws {
        let topics: [HubToDeviceTopic] = [
            .twinResponse(status: 200, requestID: "abc", version: nil),
            .twinResponse(status: 204, requestID: "8dc95dfc", version: 8),
            .desiredPatch(version: 12),
            .methodRequest(name: "reboot", requestID: "1"),
        ]
        #expect(topics.map(\.topic) == [
            "$iothub/twin/res/200/?$rid=abc", "$iothub/twin/res/204/?$rid=8dc95dfc&$version=8",
            "$iothub/twin/PATCH/properties/desired/?$version=12", "$iothub/methods/POST/reboot/?$rid=1",
        ])
        for topic in topics { #expect(try HubToDeviceTopic.parse(topic.topic) == topic) }
    }

    @Test("subscription filters: the documented four, the '+' C2D form, nothing else")
    func subscriptions() throws {
        #expect(try DeviceSubscription.parse("devices/d/messages/devicebound/#", deviceID: "d") == .cloudToDevice)
        #expect(try DeviceSubscription.parse("devices/+/messages/devicebound/#", deviceID: "d") == .cloudToDevice)
        #expect(try DeviceSubscription.parse("$iothub/twin/PATCH/properties/desired/#", deviceID: "d") == .desiredPatches)
        #expect(throws: TopicError("'devices/other/messages/devicebound/#' is not a topic filter IoT Hub accepts for d")) {
            try DeviceSubscription.parse("devices/other/messages/devicebound/#", deviceID: "d")
        }
        #expect(throws: TopicError("'#' is not a topic filter IoT Hub accepts for d")) { try DeviceSubscription.parse("#", deviceID: "d") }
    }
}
