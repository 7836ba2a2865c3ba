import Testing

@testable import TrafficLedger

@Suite struct MosquittoLogEventTests {
    @Test(arguments: [
        ("Client my-device sending CONNECT", MosquittoLogEvent(direction: .sent, packet: "CONNECT")),
        ("Client my-device received CONNACK (0)", MosquittoLogEvent(direction: .received, packet: "CONNACK")),
        (
            "Client my-device sending PUBLISH (d0, q1, r0, m3, 'devices/my-device/messages/events/', ... (81 bytes))",
            MosquittoLogEvent(direction: .sent, packet: "PUBLISH", payloadBytes: 81)
        ),
        (
            "Client my-device received PUBLISH (d0, q0, r0, m0, '$iothub/twin/res/200/?$rid=1 (x)', ... (312 bytes))",
            MosquittoLogEvent(direction: .received, packet: "PUBLISH", payloadBytes: 312)
        ),
        ("Client my-device sending PINGREQ", MosquittoLogEvent(direction: .sent, packet: "PINGREQ")),
        ("Client my-device received PINGRESP", MosquittoLogEvent(direction: .received, packet: "PINGRESP")),
        ("Client my-device received PUBACK (Mid: 4, RC:0)", MosquittoLogEvent(direction: .received, packet: "PUBACK")),
        ("Client my-device sending PUBACK (m2, rc0)", MosquittoLogEvent(direction: .sent, packet: "PUBACK")),
        (
            "Client my-device sending SUBSCRIBE (Mid: 1, Topic: devices/my-device/messages/devicebound/#, QoS: 1, Options: 0x00)",
            MosquittoLogEvent(direction: .sent, packet: "SUBSCRIBE")
        ),
        ("Client my-device received SUBACK", MosquittoLogEvent(direction: .received, packet: "SUBACK")),
        ("Client my-device sending DISCONNECT", MosquittoLogEvent(direction: .sent, packet: "DISCONNECT")),
    ])
    func reads(_ line: String, _ expected: MosquittoLogEvent) {
        #expect(MosquittoLogEvent(logLine: line) == expected)
    }

    @Test(arguments: [
        "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed",
        "Client my-device sending PUBLISH (d0, q1, r0, m3, 'topic', ... (many bytes))",
        "Client my-device negotiated nothing",
        "Client my-device sending ",
    ])
    func ignores(_ line: String) {
        #expect(MosquittoLogEvent(logLine: line) == nil)
    }
}
