import Testing

@testable import Firmware

/// Byte fixtures from the SDK's own unit tests (nrfconnect/sdk-nrf v2.9.0 `tests/subsys/net/lib/azure_iot_hub`) and
/// from Azure SDK for C at the revision NCS v2.9.0's `west.yml` pins (upstream `adc56bc6`; topics and user names are
/// built in `sdk/src/azure/iot/az_iot_hub_client*.c` and `az_iot_provisioning_client.c`).
@Suite("Azure SDK for C topics and user names")
struct AzureSDKTopicTests {
    @Test func hubUserNameCarriesTheAPIVersionAndTheSDKVersion() {
        let name = AzureIoTHubClient.userName(
            hostname: "run-time-test-hostname.test-server.com", deviceID: "run-time-test-device-id")
        #expect(name == "run-time-test-hostname.test-server.com/run-time-test-device-id/?api-version=2020-09-30&DeviceClientType=azsdk-c%2F1.4.0-beta.2")
        // "103 chars for a 26-char hostname + 12-char id".
        #expect(AzureIoTHubClient.userName(hostname: String(repeating: "h", count: 26), deviceID: "abcdefghijkl").utf8.count == 103)
    }

    @Test func publishTopics() {
        #expect(AzureIoTHubClient.telemetryTopic(deviceID: "dev", properties: []) == "devices/dev/messages/events/")
        #expect(
            AzureIoTHubClient.telemetryTopic(
                deviceID: "dev", properties: [("property_key_1", "property_value_1"), ("property_key_2", "property_value_2")])
                == "devices/dev/messages/events/property_key_1=property_value_1&property_key_2=property_value_2")
        #expect(AzureIoTHubClient.twinGetTopic(requestID: "6549877") == "$iothub/twin/GET/?$rid=6549877")
        #expect(AzureIoTHubClient.twinPatchTopic(requestID: "1") == "$iothub/twin/PATCH/properties/reported/?$rid=1")
        #expect(AzureIoTHubClient.methodResponseTopic(status: 200, requestID: "6549877") == "$iothub/methods/res/200/?$rid=6549877")
        #expect(AzureIoTHubClient.subscriptions == [
            "devices/+/messages/devicebound/#", "$iothub/methods/POST/#", "$iothub/twin/PATCH/properties/desired/#",
            "$iothub/twin/res/#",
        ])
    }

    @Test func incomingTopicsParseAsTheSDKDoes() {
        #expect(AzureIoTHubClient.parseCloudToDevice("devices/dev/messages/devicebound/%24.mid=1&color=blue") == "%24.mid=1&color=blue")
        #expect(AzureIoTHubClient.parseCloudToDevice("$iothub/twin/res/200/?$rid=1") == nil)
        #expect(AzureIoTHubClient.parseMethod("$iothub/methods/POST/led/?$rid=42") == .init(name: "led", requestID: "42"))
        #expect(AzureIoTHubClient.parseMethod("$iothub/methods/POST/led") == .init(name: "led", requestID: ""))
        #expect(AzureIoTHubClient.parseTwin("$iothub/twin/res/204/?$rid=7&$version=3") == .response(status: 204, requestID: "7", version: "3"))
        #expect(AzureIoTHubClient.parseTwin("$iothub/twin/res/200/?$rid=7") == .response(status: 200, requestID: "7", version: nil))
        #expect(AzureIoTHubClient.parseTwin("$iothub/twin/PATCH/properties/desired/?$version=12") == .desiredPatch(version: "12"))
        #expect(AzureIoTHubClient.parseTwin("$iothub/twin/PATCH/properties/desired/") == nil)  // no $version: not a twin topic
        #expect(AzureIoTHubClient.parseTwin("$iothub/twin/PATCH/properties/desired/?$rid=4") == nil)
        #expect(AzureIoTHubClient.parseTwin("$iothub/twin/res/abc/?$rid=7") == nil)
    }

    @Test func provisioningUserNameTopicsAndResponses() throws {
        #expect(AzureProvisioningClient.userName(idScope: "scope-custom", registrationID: "reg-custom") == "scope-custom/registrations/reg-custom/api-version=2019-03-31")
        #expect(AzureProvisioningClient.registerTopic == "$dps/registrations/PUT/iotdps-register/?$rid=1")
        #expect(AzureProvisioningClient.queryStatusTopic(operationID: "4.abc") == "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1&operationId=4.abc")

        let assigning = try #require(AzureProvisioningClient.parseResponse(
            topic: "$dps/registrations/res/202/?$rid=1&retry-after=3",
            payload: Array(#"{"operationId":"4.abc","status":"assigning"}"#.utf8)))
        #expect(assigning.status == 202 && assigning.retryAfterSeconds == 3 && assigning.operationID == "4.abc")
        #expect(!assigning.isOperationComplete)

        let assigned = try #require(AzureProvisioningClient.parseResponse(
            topic: "$dps/registrations/res/200/?$rid=1",
            payload: Array(#"{"operationId":"4.abc","status":"assigned","registrationState":{"registrationId":"r","assignedHub":"h.azure-devices.net","deviceId":"d","status":"assigned"}}"#.utf8)))
        #expect(assigned.isOperationComplete && assigned.assignedHub == "h.azure-devices.net" && assigned.deviceID == "d")

        let refused = try #require(AzureProvisioningClient.parseResponse(
            topic: "$dps/registrations/res/401/?$rid=1",
            payload: Array(#"{"errorCode":401002,"trackingId":"t","message":"Invalid certificate","timestampUtc":"x"}"#.utf8)))
        #expect(refused.operationStatus == "failed" && refused.errorCode == 401002 && refused.trackingID == "t")

        #expect(AzureProvisioningClient.parseResponse(topic: "$dps/registrations/res/200/?$rid=1", payload: Array("not json".utf8)) == nil)
        #expect(AzureProvisioningClient.parseResponse(topic: "$iothub/twin/res/200/?$rid=1", payload: Array("{}".utf8)) == nil)
    }
}
