/// When each chunk of one direction of a TCP stream reaches the far end: pure arithmetic on a clock reading, so the
/// relay's timing is testable without sleeping.
///
/// A chunk waits for the one before it (the link is serial and TCP delivers in order), then for its serialisation at
/// the rate, then for latency plus jitter. Loss: each 1,460-byte segment of it (a typical MSS) is lost with the
/// conditions' probability; a lost segment is resent after a retransmission timeout, 1 s at first and doubled for
/// each loss of the same segment (RFC 6298 sections 2.4 and 5.5), and everything after it waits (head-of-line
/// blocking). A stream relay never drops bytes: what a real stack does with loss is delay them.
public struct LinkShaper: Sendable {
    public static let segmentSize = 1_460
    public static let initialRetransmissionTimeout = Duration.seconds(1)
    /// A segment lost this many times in a row is given up on here too; the extra delay stops growing (Linux gives
    /// up after tcp_retries2 = 15, ~15 minutes).
    public static let maximumRetransmissions = 6

    /// When the last chunk this direction carried arrives.
    public private(set) var lastArrival: Duration = .zero
    /// When the link finishes serialising what it was given.
    private var busyUntil: Duration = .zero

    public init() {}

    /// The arrival time of `byteCount` bytes handed over at `now`, drawing jitter and loss from `random` (0..<1).
    public mutating func arrival(
        of byteCount: Int, at now: Duration, rateKbps: Int?, conditions: LinkConditions,
        random: () -> Double
    ) -> Duration {
        let start = max(now, self.busyUntil)
        var sent = start
        if let rate = rateKbps, rate > 0 {
            // bits / (kbit/s) = ms; in nanoseconds to keep small chunks' time.
            sent += .nanoseconds(Int64(byteCount) * 8 * 1_000_000 / Int64(rate))
        }
        self.busyUntil = sent
        var delay = conditions.latency
        if conditions.jitter > .zero { delay += conditions.jitter * random() }
        if conditions.loss > 0 {
            let segments = max(1, (byteCount + Self.segmentSize - 1) / Self.segmentSize)
            for _ in 0..<segments {
                var timeout = Self.initialRetransmissionTimeout
                var attempts = 0
                while attempts < Self.maximumRetransmissions, random() < conditions.loss {
                    delay += timeout
                    timeout *= 2
                    attempts += 1
                }
            }
        }
        let arrival = max(sent + delay, self.lastArrival)
        self.lastArrival = arrival
        return arrival
    }
}
