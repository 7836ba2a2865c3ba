import JSON
import Testing

/// The RFC 8259 parser: what it accepts, and the byte offset and reason of what it refuses.
@Suite("JSON parsing")
struct ParserTests {
    /// The error parsing `bytes` throws, or nil when they parse.
    func refusal(_ bytes: [UInt8], maximumDepth: Int = 64) -> JSONError? {
        do {
            _ = try JSONValue.parse(bytes, maximumDepth: maximumDepth)
            return nil
        } catch {
            return error
        }
    }

    func refusal(_ text: String) -> JSONError? { self.refusal(Array(text.utf8)) }

    @Test("malformed JSON names the byte offset and the reason", arguments: [
        ("", 0, "unexpected end"),
        (#"{"a":}"#, 5, "unexpected character"),
        (#"[1,]"#, 3, "unexpected character"),
        ("[", 1, "unexpected end"),
        ("[1", 2, "unexpected end in an array"),
        ("[1 2]", 3, "expected ',' or ']'"),
        (#"{"a":1"#, 6, "unexpected end in an object"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
        ("{1:2}", 1, "expected a member name"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        ("01", 2, "a number with a leading zero"),
        ("-", 1, "unexpected character"),
        ("1.", 2, "a number without fraction digits"),
        ("1e+", 3, "a number without exponent digits"),
        ("tru", 0, "unexpected character"),
        ("nul", 0, "unexpected character"),
        (#""abc"#, 4, "unterminated string"),
        (#""\x""#, 3, "a bad escape"),
        (#""\u12""#, 3, "a short \\u escape"),
        (#""\u12g4""#, 5, "a bad \\u escape"),
        (#""\ud800x""#, 7, "an unpaired surrogate"),
        (#""\ud800\u0041""#, 13, "an unpaired surrogate"),
        ("\"a\u{1}\"", 3, "a control character in a string"),
        ("{} x", 3, "extra text after the value"),
    ])
    func malformed(_ text: String, _ offset: Int, _ reason: String) {
        let error = self.refusal(text)
        #expect(error?.offset == offset)
        #expect(error?.reason == reason)
    }

    @Test("an error describes itself with its byte offset")
    func description() {
        #expect(self.refusal("[1,]")?.description == "malformed JSON at byte 3: unexpected character")
    }

    @Test("bytes that are not UTF-8 inside a string are refused after its closing quote")
    func invalidUTF8() {
        #expect(self.refusal([0x22, 0xFF, 0x22]).map { [$0.offset: $0.reason] } == [3: "a string is not UTF-8"])
    }

    @Test("nesting is limited: 64 levels by default, or the caller's limit")
    func depth() throws {
        #expect(try JSONValue.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) != .null)
        let deep = String(repeating: "[", count: 66) + String(repeating: "]", count: 66)
        #expect(self.refusal(deep).map { [$0.offset: $0.reason] } == [65: "nested deeper than 64"])
        #expect(self.refusal(Array("[[1]]".utf8), maximumDepth: 1).map { [$0.offset: $0.reason] } == [2: "nested deeper than 1"])
    }

    @Test("a duplicate member name is refused at its value")
    func duplicateMember() {
        #expect(self.refusal(#"{"a":1,"a":2}"#).map { [$0.offset: $0.reason] } == [11: "duplicate member 'a'"])
        #expect(self.refusal(#"{"x":{"b":1},"b":2,"b":3}"#).map { [$0.offset: $0.reason] } == [23: "duplicate member 'b'"])
        // Names compare as Swift strings do, by canonical equivalence: a precomposed and a decomposed é are one name.
        #expect(self.refusal("{\"\u{E9}\":1,\"e\u{301}\":2}")?.offset == 14)
        // The same name in different objects is no duplicate.
        #expect(self.refusal(#"{"a":{"a":1},"b":{"a":2}}"#) == nil)
    }

    @Test("whitespace is space, tab, line feed and carriage return only")
    func whitespace() throws {
        #expect(try JSONValue.parse(" \t\r\n[ 1 , {\"a\" : true} ]\n") == .array([.integer(1), .object(JSONObject([("a", .bool(true))]))]))
        #expect(self.refusal("\u{C}1")?.offset == 0)
    }

    @Test("numbers: integers stay Int64, anything else becomes a Double")
    func numbers() throws {
        #expect(try JSONValue.parse("-0") == .integer(0))
        #expect(try JSONValue.parse("9223372036854775807") == .integer(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONValue.parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try JSONValue.parse("1.0") == .number(1))
        #expect(try JSONValue.parse("-2.5E-3") == .number(-0.0025))
    }

    @Test("escapes decode, surrogate pairs to one scalar")
    func escapes() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t\u00e9\u20AC""#) == .string("\"\\/\u{8}\u{C}\n\r\té€"))
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
    }
}
