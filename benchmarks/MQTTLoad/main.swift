// mqtt-load: MQTT load over mutual TLS, printing its figures as JSON.
//
// mqtt-load HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS MESSAGES PAYLOAD_BYTES USERNAME_FORMAT TOPIC_FORMAT
//   N clients publish QoS 1 messages: connect rate, messages/s and PUBACK latency percentiles
//   ({id} in the formats is the client id; an empty USERNAME_FORMAT sends no user name). benchmarks/hub_vs_mosquitto.py.
// mqtt-load twin HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS REQUESTS hub|mosquitto USERNAME_FORMAT
//   N devices send reported-property PATCHes, one in flight each, timed to their 204 (TwinLoad.swift).
// mqtt-load c2d HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS MESSAGES hub|mosquitto USERNAME_FORMAT SENDERS
//     [HTTPS_PORT HUB ADMIN_TOKEN_FILE]
//   N devices receive C2D messages from SENDERS connections (the hub's admin API over HTTPS, or MQTT publishers),
//   timed from the request to the device (CloudToDeviceLoad.swift).
// Every mode writes "connected" on stderr when its clients are connected, before it starts the timed phase.
// mqtt-load dps HOST PORT SERVER_CA SIGNER_CERT SIGNER_KEY DEVICES CONCURRENCY ID_SCOPE
//   DEVICES distinct X.509 devices (leaf + signer chain) register with DPS the nRF way, CONCURRENCY at a time:
//   registrations/s and time-to-assigned percentiles. benchmarks/dps_registrations.py.
import Foundation

do {
    switch CommandLine.arguments.dropFirst().first {
    case "dps":
        try runProvisioningLoad(Array(CommandLine.arguments.dropFirst()))
    case "twin":
        try runTwinLoad(CommandLine.arguments)
    case "c2d":
        try runCloudToDeviceLoad(CommandLine.arguments)
    default:
        try runTelemetryLoad(CommandLine.arguments)
    }
} catch {
    FileHandle.standardError.write(Data("mqtt-load: \(error)\n".utf8))
    exit(2)
}
