import JSON
import Testing

@Suite("JMESPath subset")
struct QueryTests {
    @Test("JMESPath subset")
    func query() throws {
        let value = try JSONValue.parse(#"{"properties":{"hostName":"h"},"value":[{"name":"a"},{"name":"b"}]}"#)
        #expect(value.query("properties.hostName") == .string("h"))
        #expect(value.query("value[].name") == .array([.string("a"), .string("b")]))
        #expect(value.query("value[1].name") == .string("b"))
        #expect(value.query("\"properties.hostName\"") == .string("h"))
    }
}
