import NetworkModel
import Testing

@Suite struct LinkShaperTests {
    @Test func latencyAndRateAddUpAndChunksQueueBehindEachOther() {
        var shaper = LinkShaper()
        var conditions = LinkConditions()
        conditions.latency = .milliseconds(100)
        // 1,000 bytes at 80 kbit/s: 100 ms on the air.
        let first = shaper.arrival(of: 1_000, at: .zero, rateKbps: 80, conditions: conditions) { 0 }
        #expect(first == .milliseconds(200))
        // Handed over while the first is still serialising: it waits for the link.
        let second = shaper.arrival(of: 1_000, at: .milliseconds(50), rateKbps: 80, conditions: conditions) { 0 }
        #expect(second == .milliseconds(300))
        // After an idle gap it starts at once.
        let third = shaper.arrival(of: 10, at: .seconds(10), rateKbps: nil, conditions: conditions) { 0 }
        #expect(third == .seconds(10) + .milliseconds(100))
    }

    @Test func jitterNeverReordersTheStream() {
        var shaper = LinkShaper()
        var conditions = LinkConditions()
        conditions.jitter = .milliseconds(100)
        let early = shaper.arrival(of: 1, at: .zero, rateKbps: nil, conditions: conditions) { 0.9 }
        let late = shaper.arrival(of: 1, at: .milliseconds(1), rateKbps: nil, conditions: conditions) { 0 }
        #expect(early == .milliseconds(90))
        #expect(late == .milliseconds(90))
    }

    @Test func aLostSegmentWaitsForRetransmissionTimeoutsThatDouble() {
        var shaper = LinkShaper()
        var conditions = LinkConditions()
        conditions.loss = 0.5
        // Draws: lost, lost, delivered. 1 s + 2 s.
        var draws = [0.1, 0.1, 0.9][...]
        let arrival = shaper.arrival(of: 100, at: .zero, rateKbps: nil, conditions: conditions) { draws.popFirst()! }
        #expect(arrival == .seconds(3))
        #expect(draws.isEmpty)
        // Three segments, each drawn once: none lost.
        var more = [0.9, 0.9, 0.9][...]
        #expect(shaper.arrival(of: 3 * LinkShaper.segmentSize, at: .seconds(5), rateKbps: nil, conditions: conditions) { more.popFirst()! } == .seconds(5))
        #expect(more.isEmpty)
    }

    @Test func profilesAreNamed() {
        #expect(LinkProfile.named("LTE-M") == .lteM)
        #expect(LinkProfile.named("nb-iot")?.downlinkKbps == 27)
        #expect(LinkProfile.named("5g") == nil)
    }
}
