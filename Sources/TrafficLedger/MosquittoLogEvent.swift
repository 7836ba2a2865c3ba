import Foundation

/// An MQTT packet libmosquitto reports in its debug log: the library has no other way to tell what it sends and
/// receives (its PINGREQ, its PUBACKs, the payload sizes). The formats are libmosquitto 2.0's (lib/send_mosq.c,
/// lib/handle_*.c: `"Client %s sending PUBLISH (d%d, q%d, r%d, m%d, '%s', ... (%ld bytes))"`, `"Client %s sending
/// PINGREQ"`, …).
public struct MosquittoLogEvent: Sendable, Equatable {
    public enum Direction: String, Sendable, Codable { case sent, received }

    public var direction: Direction
    /// The MQTT packet type as libmosquitto names it (`PUBLISH`, `PINGREQ`, `SUBACK`, …).
    public var packet: String
    /// A PUBLISH's application payload.
    public var payloadBytes: Int

    public init(direction: Direction, packet: String, payloadBytes: Int = 0) {
        self.direction = direction
        self.packet = packet
        self.payloadBytes = payloadBytes
    }

    /// Whether the packet is the keep-alive (PINGREQ, PINGRESP).
    public var isKeepAlive: Bool { self.packet == "PINGREQ" || self.packet == "PINGRESP" }

    /// The event a log line reports, or nil when it reports none.
    public init?(logLine line: String) {
        guard line.hasPrefix("Client ") else { return nil }
        let direction: Direction
        let rest: Substring
        if let range = line.range(of: " sending ") {
            direction = .sent
            rest = line[range.upperBound...]
        } else if let range = line.range(of: " received ") {
            direction = .received
            rest = line[range.upperBound...]
        } else {
            return nil
        }
        let packet = rest.prefix { $0.isUppercase }
        guard !packet.isEmpty, packet.count == rest.count || rest[packet.endIndex] == " " else { return nil }
        var payload = 0
        if packet == "PUBLISH" {
            // "… ... (123 bytes))": the topic may hold anything, so read the count from the end.
            guard rest.hasSuffix(" bytes))"), let open = rest.range(of: "(", options: .backwards),
                let count = Int(rest[open.upperBound...].dropLast(" bytes))".count))
            else { return nil }
            payload = count
        }
        self.init(direction: direction, packet: String(packet), payloadBytes: payload)
    }
}
