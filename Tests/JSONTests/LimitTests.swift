import JSON
import Testing

/// `JSONParser.Limits`: each limit refused with its own error and the byte offset where the text went over it.
@Suite("JSON limits")
struct JSONLimitTests {
    func refusal(_ text: String, _ limits: JSONParser.Limits) -> JSONError? {
        do {
            _ = try JSONValue.parse(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test("the defaults: 32 MiB, 64 levels, 65,536 members an object")
    func defaults() {
        #expect(JSONParser.Limits.default == JSONParser.Limits(maximumBytes: 32 << 20, maximumDepth: 64, maximumKeysPerObject: 65_536))
    }

    @Test("a text longer than the size limit is refused before it is read, at the first byte past the limit")
    func size() {
        let limits = JSONParser.Limits(maximumBytes: 10)
        #expect(self.refusal(#"{"a": 1234}"#, limits) == .tooLarge(size: 11, limit: 10))
        #expect(self.refusal(#"{"a": 1234}"#, limits)?.offset == 10)
        #expect(self.refusal(#"{"a": 1234}"#, limits)?.description == "JSON refused at byte 10: the text is 11 bytes, over the limit of 10")
        #expect(self.refusal(#"{"a": 123}"#, limits) == nil)
    }

    @Test("nesting deeper than the limit is refused at the bracket that goes over it")
    func depth() {
        let limits = JSONParser.Limits(maximumDepth: 2)
        // Every value counts, scalars included: the top-level value is depth 0.
        #expect(self.refusal(#"{"a": [1, {}]}"#, limits) == nil)
        #expect(self.refusal(#"{"a": [1, {"b": 2}]}"#, limits) == .tooDeep(offset: 16, limit: 2))
        #expect(self.refusal(#"{"a": [1, {"b": 2}]}"#, limits)?.reason == "nested deeper than 2")
    }

    @Test("more members than the limit are refused at the name that goes over it, in any object")
    func keys() {
        let limits = JSONParser.Limits(maximumKeysPerObject: 2)
        #expect(self.refusal(#"{"a": 1, "b": {"c": 1, "d": 2}}"#, limits) == nil)
        #expect(self.refusal(#"{"a": 1, "b": 2, "c": 3}"#, limits) == .tooManyKeys(offset: 17, limit: 2))
        #expect(self.refusal(#"[{"x": {"a": 1, "b": 2, "c": 3}}]"#, limits) == .tooManyKeys(offset: 24, limit: 2))
        #expect(self.refusal(#"{"a": 1, "b": 2, "c": 3}"#, limits)?.reason == "an object with more than 2 members")
    }

    @Test("duplicates are still refused, and members keep their order, with thousands of members")
    func duplicatesAndOrder() throws {
        let keys = (0..<5000).map { "k\(($0 * 7919) % 5000)" }
        let text = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ",") + "}"
        let object = try #require(try JSONValue.parse(text).objectValue)
        #expect(object.keys == keys)
        #expect(object.count == 5000)
        let duplicate = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ",") + ",\"k4999\": 2}"
        do {
            _ = try JSONValue.parse(duplicate)
            Issue.record("a duplicate member was accepted")
        } catch {
            #expect(error == .malformed(offset: duplicate.utf8.count - 2, reason: "duplicate member 'k4999'"))
        }
    }

    /// The old parser checked each name against the ones before it by a linear scan: 64k names took 2·10⁹ string
    /// comparisons (tens of seconds even in a release build). Hashed look-up parses them in well under a second;
    /// the bound is only there to fail on quadratic time, not to measure.
    @Test("64k members parse within a generous bound (quadratic look-up would not)")
    func scaling() throws {
        let count = 65_536
        var text = "{"
        for index in 0..<count { text += (index > 0 ? "," : "") + "\"key\(index)\":\(index)" }
        text += "}"
        let clock = ContinuousClock()
        var parsed: JSONValue?
        let elapsed = try clock.measure { parsed = try JSONValue.parse(text) }
        #expect(parsed?.objectValue?.count == count)
        #expect(elapsed < .seconds(5), "64k members took \(elapsed)")
    }
}
