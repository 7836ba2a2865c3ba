import SimCore
import Testing

@Suite("Time scale")
struct TimeScaleTests {
    @Test("parses an integer from 1 to 3600")
    func parses() throws {
        #expect(try TimeScale(parsing: "1") == .realTime)
        #expect(try TimeScale(parsing: "600").factor == 600)
        #expect(try TimeScale(parsing: "3600").factor == 3600)
    }

    @Test("refuses what is not an integer in range, naming it", arguments: [
        ("0", TimeScaleError.outOfRange(0)), ("3601", .outOfRange(3601)), ("-5", .outOfRange(-5)),
        ("1.5", .notAnInteger("1.5")), ("fast", .notAnInteger("fast")), ("", .notAnInteger("")),
    ])
    func refuses(text: String, error: TimeScaleError) {
        #expect(throws: error) { try TimeScale(parsing: text) }
    }

    @Test("the error says what is wrong and what is allowed")
    func message() {
        #expect(TimeScaleError.outOfRange(0).description == "0 is out of range; give simulated seconds per real second, 1...3600")
        #expect(TimeScaleError.notAnInteger("x").description == "'x' is not an integer; give simulated seconds per real second, 1...3600")
    }

    @Test("a simulated interval takes interval / scale of real time, and back")
    func converts() throws {
        let scale = try TimeScale(600)
        #expect(scale.real(.seconds(1767)) == .milliseconds(2945))
        #expect(scale.simulated(.milliseconds(100)) == .seconds(60))
        #expect(scale.realSeconds(3600) == 6)
        #expect(TimeScale.realTime.real(.seconds(5)) == .seconds(5))
    }

    @Test("a scaled host clock runs scale times faster than the host's, from its origin")
    func hostClock() throws {
        let before = ContinuousClock.now
        let clock = HostClock(scale: try TimeScale(600))
        let started = ContinuousClock.now
        // Waits for real time to pass (an event), then reads the clock between two real readings.
        while ContinuousClock.now - started < .milliseconds(5) {}
        let lower = ContinuousClock.now - started
        let reading = clock.now
        let upper = ContinuousClock.now - before
        #expect(reading >= lower * 600)
        #expect(reading <= upper * 600)
        #expect(clock.instant(at: .seconds(60)) - started <= .milliseconds(100))
        #expect(clock.instant(at: .seconds(60)) - before >= .milliseconds(100))
    }

    @Test("a manual clock moves only when told and carries the scale it stands for")
    func manualClock() throws {
        let clock = ManualClock(scale: try TimeScale(60))
        #expect(clock.now == .zero)
        clock.advance(by: .seconds(90))
        #expect(clock.now == .seconds(90))
        #expect(clock.scale.real(clock.now) == .milliseconds(1500))
    }
}
