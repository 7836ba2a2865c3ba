import JSON
import Testing

/// Parsing and printing again: member order and escapes survive; the pretty form is az's.
@Suite("JSON round trips")
struct RoundTripTests {
    @Test("compact text keeps member order and escapes, prints integral numbers as integers, and is stable", arguments: [
        (#"{"b":1,"a":[true,false,null,-1.5,"é\n\"q\""],"c":{"z":2e3}}"#, #"{"b":1,"a":[true,false,null,-1.5,"é\n\"q\""],"c":{"z":2000}}"#),
        (" [ 1 , 2 ] ", "[1,2]"),
        (#"{"\u00e9":"\ud83d\ude00\u0001"}"#, "{\"é\":\"😀\\u0001\"}"),
        (#""\/\b\f""#, #""/\u0008\u000c""#),
        ("[1.0,0.1,-0,1e15,123456789012345e-3]", "[1,0.1,0,1000000000000000.0,123456789012.345]"),
        ("9223372036854775808", "9.223372036854776e+18"),
        ("[[],{},[{}]]", "[[],{},[{}]]"),
    ])
    func compact(_ input: String, _ printed: String) throws {
        let value = try JSONValue.parse(input)
        #expect(value.text == printed)
        #expect(try JSONValue.parse(printed).text == printed)
    }

    @Test("non-finite numbers print as null")
    func nonFinite() {
        #expect(JSONValue.array([.number(.infinity), .number(-.infinity), .number(.nan)]).text == "[null,null,null]")
    }

    @Test("pretty text indents by two spaces and keeps empty containers on one line")
    func pretty() throws {
        let value = try JSONValue.parse(#"{"a":[1,{"b":[]}],"c":{},"d":"x\ty"}"#)
        #expect(value.prettyText == """
            {
              "a": [
                1,
                {
                  "b": []
                }
              ],
              "c": {},
              "d": "x\\ty"
            }
            """)
        #expect(try JSONValue.parse(value.prettyText) == value)
        #expect(JSONValue.string("s").prettyText == #""s""#)
    }

    @Test("every value kind survives printing and parsing", arguments: [
        JSONValue.null, .bool(true), .bool(false), .integer(.min), .integer(.max), .number(-1.25), .string(""),
        .string("\u{0}\u{1F}\"\\é😀"), .array([]), .object(JSONObject()),
        .object(JSONObject([("z", .integer(1)), ("a", .array([.null, .object(JSONObject([("k", .string("v"))]))]))])),
    ])
    func value(_ value: JSONValue) throws {
        #expect(try JSONValue.parse(value.text) == value)
        #expect(try JSONValue.parse(value.prettyText) == value)
    }
}
