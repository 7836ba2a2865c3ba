// mqtt-load: MQTT load over mutual TLS, printing its figures as JSON.
//
// mqtt-load HOST PORT SERVER_CA CLIENT_CA_CERT CLIENT_CA_KEY CLIENTS MESSAGES PAYLOAD_BYTES USERNAME_FORMAT TOPIC_FORMAT
//   N clients publish QoS 1 messages: connect rate, messages/s and PUBACK latency percentiles
//   ({id} in the formats is the client id; an empty USERNAME_FORMAT sends no user name). benchmarks/hub_vs_mosquitto.py.
// mqtt-load dps HOST PORT SERVER_CA SIGNER_CERT SIGNER_KEY DEVICES CONCURRENCY ID_SCOPE
//   DEVICES distinct X.509 devices (leaf + signer chain) register with DPS the nRF way, CONCURRENCY at a time:
//   registrations/s and time-to-assigned percentiles. benchmarks/dps_registrations.py.
import Foundation

do {
    if CommandLine.arguments.dropFirst().first == "dps" {
        try runProvisioningLoad(Array(CommandLine.arguments.dropFirst()))
    } else {
        try runTelemetryLoad(CommandLine.arguments)
    }
} catch {
    FileHandle.standardError.write(Data("mqtt-load: \(error)\n".utf8))
    exit(2)
}
