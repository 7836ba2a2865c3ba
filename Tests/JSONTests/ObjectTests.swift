import JSON
import Testing

/// Objects: insertion order, one member per name, order-blind equality; the typed accessors.
@Suite("JSON objects and accessors")
struct ObjectTests {
    @Test("a repeated name keeps its first position and takes the last value")
    func repeatedName() {
        let object = JSONObject([("a", .integer(1)), ("b", .integer(2)), ("a", .integer(3))])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .integer(3))
        #expect(JSONValue.object(object).text == #"{"a":3,"b":2}"#)
    }

    @Test("assigning nil removes a member; assigning a new name appends it")
    func assignment() {
        var object = JSONObject([("a", .integer(1)), ("b", .integer(2))])
        object["a"] = nil
        object["c"] = .null
        object["b"] = .string("x")
        #expect(JSONValue.object(object).text == #"{"b":"x","c":null}"#)
        object["missing"] = nil
        #expect(object.keys == ["b", "c"])
    }

    @Test("equality ignores member order; printing does not")
    func equality() {
        let ab = JSONObject([("a", .integer(1)), ("b", .integer(2))])
        let ba = JSONObject([("b", .integer(2)), ("a", .integer(1))])
        #expect(ab == ba)
        #expect(JSONValue.object(ab).text != JSONValue.object(ba).text)
        #expect(ab != JSONObject([("a", .integer(1))]))
    }

    @Test("accessors answer only for their own kind; integral numbers are ints")
    func accessors() throws {
        let value = try JSONValue.parse(#"{"s":"t","i":3,"d":4.0,"f":4.5,"b":true,"a":[1],"o":{"k":null}}"#)
        #expect(value["s"]?.stringValue == "t")
        #expect(value["i"]?.intValue == 3)
        #expect(value["d"]?.intValue == 4)
        #expect(value["f"]?.intValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?.arrayValue == [.integer(1)])
        #expect(value["o"]?.objectValue?.keys == ["k"])
        #expect(value["o"]?["k"] == .null)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value["i"]?.stringValue == nil)
    }
}
