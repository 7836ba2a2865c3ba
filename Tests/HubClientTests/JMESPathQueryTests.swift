import HubClient
import JSON
import Testing

/// `az --query`: the JMESPath subset `nrfsim az` evaluates, and how it refuses the rest.
@Suite("JMESPath subset")
struct JMESPathQueryTests {
    static let document = #"""
        {"properties":{"hostName":"h","idScope":"0ne","$version":3},
         "value":[{"name":"a","tags":[1,2]},{"name":"b","tags":[3]},{"other":1}]}
        """#

    @Test("dotted fields, [n] indexes and [] projections", arguments: [
        ("properties.hostName", #""h""#),
        ("properties.$version", "3"),
        ("value[].name", #"["a","b"]"#),
        ("value[1].name", #""b""#),
        ("value[-1].other", "1"),
        ("value[0].tags[1]", "2"),
        ("value[].tags[0]", "[1,3]"),
        ("value[].tags[]", "[1,2,3]"),
        ("value[].missing", "[]"),
        ("value[3]", "null"),
        ("value[-4]", "null"),
        ("missing.field", "null"),
        ("properties.hostName.deeper", "null"),
        ("properties[0]", "null"),
        ("value [ 0 ] . name", #""a""#),
    ])
    func accepted(_ expression: String, _ result: String) throws {
        let query = try JMESPathQuery(expression)
        #expect(query.evaluate(try JSONValue.parse(Self.document)).text == result)
    }

    @Test("quotes and spaces around the whole expression are dropped", arguments: [
        #""properties.idScope""#, "'properties.idScope'", "  properties.idScope ", #"" 'properties.idScope' ""#,
    ])
    func surroundingQuotes(_ expression: String) throws {
        #expect(try JMESPathQuery(expression).evaluate(try JSONValue.parse(Self.document)) == .string("0ne"))
    }

    @Test("an empty expression selects the whole value, as az ignores an empty --query", arguments: ["", #""""#, "  "])
    func empty(_ expression: String) throws {
        let document = try JSONValue.parse(Self.document)
        #expect(try JMESPathQuery(expression).evaluate(document) == document)
    }

    @Test("a list at the top: [n] and [].field")
    func topLevelList() throws {
        let list = try JSONValue.parse(#"[{"deviceId":"d1"},{"deviceId":"d2"}]"#)
        #expect(try JMESPathQuery("[].deviceId").evaluate(list).text == #"["d1","d2"]"#)
        #expect(try JMESPathQuery("[0].deviceId").evaluate(list).text == #""d1""#)
        #expect(try JMESPathQuery("[]").evaluate(list) == list)
        #expect(try JMESPathQuery("deviceId").evaluate(list) == .null)
        // Lists inside the list stay lists (JMESPath's flatten would merge them).
        #expect(try JMESPathQuery("[]").evaluate(try JSONValue.parse("[[1],2]")).text == "[[1],2]")
    }

    @Test("JMESPath outside the subset is refused where it starts", arguments: [
        ("value[?name=='a'].name", 5, JMESPathFeature.filterExpression),
        ("value[*].name", 5, .wildcardExpression),
        ("*", 0, .wildcardExpression),
        ("properties.*", 11, .wildcardExpression),
        ("value[0:2]", 5, .slice),
        ("value[:2]", 5, .slice),
        ("value[name, other]", 5, .multiselectList),
        ("properties.[hostName, idScope]", 11, .multiselectList),
        ("{h: properties.hostName}", 0, .multiselectHash),
        ("properties.{h: hostName}", 11, .multiselectHash),
        ("value | [0]", 6, .pipeExpression),
        ("a || b", 2, .orExpression),
        ("a && b", 2, .andExpression),
        ("!a", 0, .notExpression),
        ("a == b", 2, .comparison),
        ("a != b", 2, .comparison),
        ("a<b", 1, .comparison),
        ("a >= b", 2, .comparison),
        ("length(value)", 6, .functionCall),
        ("@", 0, .currentNode),
        ("`1`", 0, .jsonLiteral),
        ("a.'b'", 2, .rawStringLiteral),
        (#"a."b""#, 2, .quotedIdentifier),
        ("(a)", 0, .parenthesizedExpression),
        ("&a", 0, .expressionReference),
        ("  value[?x]", 7, .filterExpression),
    ])
    func unsupported(_ expression: String, _ position: Int, _ feature: JMESPathFeature) {
        #expect(throws: JMESPathError(expression: expression, position: position, reason: .unsupported(feature))) {
            try JMESPathQuery(expression)
        }
    }

    @Test("text that is not JMESPath is refused with what was expected", arguments: [
        ("a.", 2, "expected a field name after '.'"),
        ("a..b", 2, "expected a field name after '.', found '.'"),
        (".a", 0, "unexpected '.'"),
        ("a[", 1, "unterminated '['"),
        ("a[1", 1, "unterminated '['"),
        ("a[1x]", 3, "expected ']' after the index, found 'x'"),
        ("a[-]", 3, "expected a digit after '-'"),
        ("a[0]b", 4, "expected '.', '[' or the end, found 'b'"),
        ("a b", 2, "expected '.', '[' or the end, found 'b'"),
        ("a]", 1, "expected '.', '[' or the end, found ']'"),
        ("a = b", 2, "expected '.', '[' or the end, found '='"),
        ("a[99999999999999999999]", 2, "the index 99999999999999999999 is out of range"),
    ])
    func malformed(_ expression: String, _ position: Int, _ problem: String) {
        #expect(throws: JMESPathError(expression: expression, position: position, reason: .malformed(problem))) {
            try JMESPathQuery(expression)
        }
    }

    @Test("the refusal names the position, the expression as a JSON string, and the syntax")
    func description() {
        #expect(throws: JMESPathError.self) { try JMESPathQuery("value[?x]") }
        let unsupported = JMESPathError(expression: "value[?x]", position: 5, reason: .unsupported(.filterExpression))
        #expect(unsupported.description == #"unsupported JMESPath syntax at 5 in "value[?x]": filter expressions ([?…]) are not supported"#)
        let malformed = JMESPathError(expression: #"a."b"#, position: 2, reason: .malformed("x"))
        #expect(malformed.description == #"malformed JMESPath at 2 in "a.\"b": x"#)
        for feature in JMESPathFeature.allCases {
            #expect(feature.refusal.hasSuffix(" not supported"), "\(feature)")
        }
    }
}
