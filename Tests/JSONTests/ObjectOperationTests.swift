import JSON
import Testing

/// `JSONObject`'s look-up, replacement and removal are hashed: a patch touching every member of a large object
/// is linear, and order survives removals.
@Suite("JSON object operations")
struct JSONObjectOperationTests {
    @Test("removals keep the order of the others, and re-adding appends")
    func removalOrder() {
        var object = JSONObject((0..<100).map { ("k\($0)", JSONValue.integer(Int64($0))) })
        for index in stride(from: 0, to: 100, by: 3) { object["k\(index)"] = nil }
        #expect(object.keys == (0..<100).filter { $0 % 3 != 0 }.map { "k\($0)" })
        object["k0"] = .null
        object["k1"] = .bool(true)
        #expect(object.keys.last == "k0")
        #expect(object["k1"] == .bool(true))
        #expect(object.keys.first == "k1")
        #expect(object.count == 67)
    }

    @Test("equality ignores order, as before")
    func equality() {
        #expect(JSONObject([("a", .integer(1)), ("b", .integer(2))]) == JSONObject([("b", .integer(2)), ("a", .integer(1))]))
        var removed = JSONObject([("a", .integer(1)), ("b", .integer(2)), ("c", .integer(3))])
        removed["b"] = nil
        #expect(removed == JSONObject([("c", .integer(3)), ("a", .integer(1))]))
        #expect(removed != JSONObject([("a", .integer(1))]))
    }

    /// A twin patch of n members applied member by member (replace, then delete) was O(n²) with linear look-up;
    /// 64k of each now take a fraction of a second. The bound only catches quadratic time.
    @Test("patching every member of a 64k-member object, then deleting them all, within a generous bound")
    func patchScaling() {
        let count = 65_536
        var object = JSONObject()
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for index in 0..<count { object["key\(index)"] = .integer(Int64(index)) }
            for index in 0..<count { object["key\(index)"] = .integer(Int64(-index)) }
            #expect(object["key123"] == .integer(-123))
            for index in 0..<count { object["key\(index)"] = nil }
        }
        #expect(object.isEmpty)
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }
}
