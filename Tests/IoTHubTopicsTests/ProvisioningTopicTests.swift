import Testing
@testable import IoTHubTopics

/// DPS topic and user-name fixtures: what azure-iot-device 2.14.0 sent to a local TLS stub (captured on the wire), and
/// what azure-sdk-for-c (which the nRF Connect SDK uses) builds in `sdk/src/azure/iot/az_iot_provisioning_client.c`;
/// the formats are those of learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-dps.
@Suite("DPS topics")
struct ProvisioningTopicTests {
    @Test("the Python SDK's DPS user name, and the hub's is not taken for one")
    func username() throws {
        let python = "0ne0000ABCD/registrations/dev1/api-version=2019-03-31&ClientVersion=azure-iot-device-provisioning-py%2F2.14.0%28x%29"
        #expect(ProvisioningUsername.isProvisioning(python))
        let parsed = try ProvisioningUsername.parse(python)
        #expect(parsed == ProvisioningUsername(
            idScope: "0ne0000ABCD", registrationID: "dev1", apiVersion: "2019-03-31",
            clientVersion: "azure-iot-device-provisioning-py%2F2.14.0%28x%29"))
        #expect(try ProvisioningUsername.parse("0ne0000ABCD/registrations/my-device/api-version=2019-03-31").apiVersion == "2019-03-31")
        #expect(try ProvisioningUsername.parse("0ne0000ABCD/registrations/d").apiVersion == nil)
        // A hub user name, even for a device that happens to be called "registrations".
        #expect(!ProvisioningUsername.isProvisioning("hub.azure-devices.net/dev1/?api-version=2021-04-12"))
        #expect(!ProvisioningUsername.isProvisioning("hub.azure-devices.net/registrations/?api-version=2021-04-12"))
        #expect(!ProvisioningUsername.isProvisioning("hub.azure-devices.net/registrations"))
    }

    @Test("malformed DPS user names", arguments: [
        "0ne0000ABCD/registrations//api-version=2019-03-31", "/registrations/d/api-version=1",
        "0ne0000ABCD/registrations/d/?api-version=2019-03-31", "0ne0000ABCD/registrations/d/api-version",
    ])
    func badUsername(_ username: String) {
        #expect(throws: TopicError.self) { try ProvisioningUsername.parse(username) }
    }

    @Test("register and status requests as both SDKs send them")
    func requests() throws {
        #expect(try DeviceToProvisioningTopic.parse("$dps/registrations/PUT/iotdps-register/?$rid=69706be2-1c3b-4c4e-9e57-b2fa3c1e8e11")
            == .register(requestID: "69706be2-1c3b-4c4e-9e57-b2fa3c1e8e11"))
        #expect(try DeviceToProvisioningTopic.parse("$dps/registrations/PUT/iotdps-register/?$rid=1") == .register(requestID: "1"))
        #expect(try DeviceToProvisioningTopic.parse("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=bd46&operationId=4.abc.op1")
            == .operationStatus(requestID: "bd46", operationID: "4.abc.op1"))
    }

    @Test("malformed requests; the request id is kept when it can be answered on", arguments: [
        ("$dps/registrations/PUT/iotdps-register/?$rid=1&$x=2", "1"),
        ("$dps/registrations/PUT/iotdps-register/?rid=1", nil),
        ("$dps/registrations/PUT/iotdps-registr/?$rid=7", "7"),
        ("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=8", "8"),
        ("$dps/registrations/PUT/iotdps-register/?$rid=9&flag", "9"),
        ("$dps/registrations/PUT/iotdps-register", nil),
        ("$dps/registrations/PUT/iotdps-register/?$rid=a$b", nil),
        ("$iothub/twin/GET/?$rid=3", "3"),
    ] as [(String, String?)])
    func badRequests(_ topic: String, _ requestID: String?) {
        do {
            _ = try DeviceToProvisioningTopic.parse(topic)
            Issue.record("'\(topic)' was accepted")
        } catch {
            #expect(error.requestID == requestID)
            #expect(error.description.contains(topic))
        }
    }

    @Test("response topics: exactly two '$', retry-after only when given")
    func responses() throws {
        let assigning = ProvisioningResponseTopic(status: 202, requestID: "r1", retryAfter: 3)
        #expect(assigning.topic == "$dps/registrations/res/202/?$rid=r1&retry-after=3")
        #expect(assigning.topic.filter { $0 == "$" }.count == 2)
        #expect(ProvisioningResponseTopic(status: 401, requestID: "1").topic == "$dps/registrations/res/401/?$rid=1")
        #expect(try ProvisioningResponseTopic.parse(assigning.topic) == assigning)
        #expect(try ProvisioningResponseTopic.parse("$dps/registrations/res/200/?$rid=1") == ProvisioningResponseTopic(status: 200, requestID: "1"))
    }
}
