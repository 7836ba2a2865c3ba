import JSON
import Testing

/// String escaping, byte for byte (RFC 8259 §7): the one escaping behind every JSON text the project prints.
@Suite("JSON string escaping")
struct EscapingTests {
    /// The UTF-8 bytes of `value`'s compact text.
    func bytes(_ value: JSONValue) -> [UInt8] { Array(value.text.utf8) }

    @Test("control characters: \\n, \\r and \\t short, the rest \\u00xx in lowercase hex", arguments: [
        (0x00, #"\u0000"#), (0x01, #"\u0001"#), (0x07, #"\u0007"#), (0x08, #"\u0008"#), (0x09, #"\t"#),
        (0x0A, #"\n"#), (0x0B, #"\u000b"#), (0x0C, #"\u000c"#), (0x0D, #"\r"#), (0x1B, #"\u001b"#), (0x1F, #"\u001f"#),
    ])
    func controlCharacter(_ code: UInt32, _ escaped: String) throws {
        let scalar = try #require(Unicode.Scalar(code))
        #expect(self.bytes(.string(String(Character(scalar)))) == Array(("\"" + escaped + "\"").utf8))
    }

    @Test("every control character is escaped and parses back")
    func everyControlCharacter() throws {
        for code in UInt32(0)..<0x20 {
            let text = String(Character(try #require(Unicode.Scalar(code))))
            let printed = JSONValue.string(text).text
            #expect(printed.utf8.allSatisfy { $0 >= 0x20 }, "U+\(String(code, radix: 16)) printed raw")
            #expect(try JSONValue.parse(printed) == .string(text))
        }
    }

    @Test("the quotation mark and the reverse solidus are escaped; the solidus is not")
    func quoteAndBackslash() {
        #expect(self.bytes(.string(#"a"b\c/d"#)) == [0x22, 0x61, 0x5C, 0x22, 0x62, 0x5C, 0x5C, 0x63, 0x2F, 0x64, 0x22])
        #expect(JSONValue.string(#"\""#).text == #""\\\"""#)
    }

    @Test("non-ASCII and U+007F are written as UTF-8, not escaped")
    func nonASCII() {
        #expect(self.bytes(.string("é")) == [0x22, 0xC3, 0xA9, 0x22])
        #expect(self.bytes(.string("€")) == [0x22, 0xE2, 0x82, 0xAC, 0x22])
        #expect(self.bytes(.string("😀")) == [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22])
        #expect(self.bytes(.string("\u{2028}")) == [0x22, 0xE2, 0x80, 0xA8, 0x22])
        #expect(self.bytes(.string("\u{7F}")) == [0x22, 0x7F, 0x22])
        // A decomposed é (e + U+0301 COMBINING ACUTE ACCENT) keeps both scalars.
        #expect(self.bytes(.string("e\u{301}")) == [0x22, 0x65, 0xCC, 0x81, 0x22])
    }

    @Test("member names are escaped as values are, compact and pretty")
    func memberNames() {
        let value = JSONValue.object(JSONObject([("a\"\n\u{1}", .string("é\t"))]))
        #expect(value.text == #"{"a\"\n\u0001":"é\t"}"#)
        #expect(value.prettyText == "{\n  \"a\\\"\\n\\u0001\": \"é\\t\"\n}")
    }
}
