import Foundation
import Testing

@testable import HubEmulator

/// The hub's ISO 8601 times, checked against the C library's calendar (`gmtime_r`), which the hub's formatter does
/// not call.
@Suite("ISO 8601 times")
struct ISO8601Tests {
    /// The reference: the fields from `gmtime_r`, each padded.
    static func reference(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let milliseconds = Int((interval - interval.rounded(.down)) * 1000)
        var fields = tm()
        gmtime_r(&seconds, &fields)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(fields.tm_year) + 1900, 4))-\(pad(Int(fields.tm_mon) + 1, 2))-\(pad(Int(fields.tm_mday), 2))T"
            + "\(pad(Int(fields.tm_hour), 2)):\(pad(Int(fields.tm_min), 2)):\(pad(Int(fields.tm_sec), 2)).\(pad(milliseconds, 3))Z"
    }

    @Test("fixed instants: the epoch, a leap day, the last millisecond of a century, the year 9999 and before 1970")
    func fixed() {
        #expect(iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(iso8601(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(iso8601(Date(timeIntervalSince1970: 4_102_444_799.999)) == Self.reference(Date(timeIntervalSince1970: 4_102_444_799.999)))
        #expect(iso8601(Date(timeIntervalSince1970: 253_402_300_799)) == "9999-12-31T23:59:59.000Z")
        #expect(iso8601(Date(timeIntervalSince1970: -1.25)) == "1969-12-31T23:59:58.750Z")
        #expect(iso8601(Date(timeIntervalSince1970: 1_795_774_053.907)) == Self.reference(Date(timeIntervalSince1970: 1_795_774_053.907)))
    }

    @Test("100,000 instants from year 1 to 9999 and a few beyond, as the C library's calendar has them")
    func sweep() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [-62_135_596_800, 253_402_300_800, 300_000_000_000, -70_000_000_000]
        for _ in 0..<100_000 {
            instants.append(Double(Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator)) + Double(Int.random(in: 0..<1000, using: &generator)) / 1000)
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(iso8601(date) == Self.reference(date), "at \(instant)")
        }
    }
}
