/// The IP and TCP headers under a connection's bytes, modelled from its segments: the relay sees a byte stream,
/// not the packets the modem's stack would send.
///
/// Each segment carries 40 header bytes (IPv4's 20, RFC 791; TCP's 20 without options, RFC 9293). Data segments are
/// the chunks the relay forwarded, cut at the MSS. Each side sends one pure ACK per two segments it receives (delayed
/// ACK, RFC 5681 §4.2). Opening costs the device SYN and ACK and the server SYN-ACK; closing, a FIN and an ACK
/// each.
public struct IPOverheadModel: Sendable, Equatable, Codable {
    public static let headerBytes = 40

    /// The link's MTU (`CONFIG_SIM_LEDGER_MTU`); the MSS is 40 below it.
    public var mtu: Int

    public init(mtu: Int = 1280) {
        precondition(mtu > Self.headerBytes, "an MTU holds more than the IP and TCP headers")
        self.mtu = mtu
    }

    public var maximumSegmentSize: Int { self.mtu - Self.headerBytes }

    /// Header bytes of one direction: `sent` data segments, ACKs for `received` ones, and the connection's set-up
    /// (`device`: the side that opened it) and close (`closed`).
    public func headerBytes(sent: Int, received: Int, device: Bool, closed: Bool) -> Int {
        let setup = device ? 2 : 1
        let teardown = closed ? 2 : 0
        return (sent + (received + 1) / 2 + setup + teardown) * Self.headerBytes
    }
}
