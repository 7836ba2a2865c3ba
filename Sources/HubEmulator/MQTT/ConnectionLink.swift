import Foundation
import Logging
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore

/// The hub's handle on one device connection: writes hop to the channel's event loop; C2D deliveries are tracked
/// by packet identifier until the device's PUBACK.
final class ConnectionLink: DeviceLink, Sendable {
    let channel: any Channel
    let logger: Logger
    let deviceID: String
    private let state = NIOLockedValueBox(State())

    struct State {
        var nextPacketID: UInt16 = 0
        /// Packet id → (C2D sequence, when it was delivered, whether its PUBACK came and its completion is being
        /// stored). A message stays claimed until then, so that no delivery sends it again meanwhile.
        var inflight: [UInt16: (sequence: Int64, deliveredAt: Date, completing: Bool)] = [:]
        var closeReason: String?
    }

    init(channel: any Channel, logger: Logger, deviceID: String) {
        self.channel = channel
        self.logger = logger
        self.deviceID = deviceID
    }

    func send(_ packet: MQTTPacket) {
        let bytes = packet.encoded()
        let channel = self.channel
        channel.eventLoop.execute {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    func claim(_ sequence: Int64, at claimedAt: Date) -> UInt16? {
        self.state.withLockedValue { state in
            guard !state.inflight.values.contains(where: { $0.sequence == sequence }) else { return nil }
            repeat { state.nextPacketID &+= 1 } while state.nextPacketID == 0 || state.inflight[state.nextPacketID] != nil
            state.inflight[state.nextPacketID] = (sequence, claimedAt, false)
            return state.nextPacketID
        }
    }

    /// A completion that could not be stored: the message is in flight again, so its lock expiry closes the connection
    /// and the device's next one gets it again.
    func reopen(_ sequence: Int64) {
        self.state.withLockedValue { state in
            for (packetID, entry) in state.inflight where entry.sequence == sequence { state.inflight[packetID]?.completing = false }
        }
    }

    func release(_ sequence: Int64) {
        self.state.withLockedValue { state in
            for (packetID, entry) in state.inflight where entry.sequence == sequence { state.inflight[packetID] = nil }
        }
    }

    func unacknowledged(deliveredBefore cutoff: Date) -> Int {
        self.state.withLockedValue { state in
            state.inflight.values.count { !$0.completing && $0.deliveredAt < cutoff }
        }
    }

    /// The C2D sequence a PUBACK acknowledges, if it was one (and not acknowledged already). It stays claimed until
    /// ``release(_:)``, once its completion is stored.
    func acknowledge(_ packetID: UInt16) -> Int64? {
        self.state.withLockedValue { state in
            guard let entry = state.inflight[packetID], !entry.completing else { return nil }
            state.inflight[packetID]?.completing = true
            return entry.sequence
        }
    }

    func close(reason: String) {
        self.state.withLockedValue { $0.closeReason = $0.closeReason ?? reason }
        self.logger.info("connection closed by the hub", metadata: ["device": "\(self.deviceID)", "reason": "\(reason)"])
        let channel = self.channel
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

    var closeReason: String? { self.state.withLockedValue { $0.closeReason } }
}
