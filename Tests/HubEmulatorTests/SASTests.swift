import JSON
import Testing
@testable import HubEmulator

/// Shared access signatures ("Control access to IoT Hub with shared access signatures",
/// learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas).
@Suite("SAS tokens")
struct SASTests {
    @Test("a token made for a device verifies with its key, covers its resource, and not others")
    func roundTrip() throws {
        let text = try #require(SASToken.make(resource: "myhub.azure-devices.net/devices/dev1", base64Key: "cGtwa3Br", expiry: 1_795_767_968))
        #expect(text.hasPrefix("SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig="))
        let token = try SASToken.parse(text)
        #expect(token.isSigned(byKey: "cGtwa3Br") && !token.isSigned(byKey: "c2tza3Nr"))
        #expect(token.grants("myhub.azure-devices.net/devices/dev1"))
        #expect(token.grants("MYHUB.azure-devices.net/devices/dev1"))
        #expect(!token.grants("myhub.azure-devices.net/devices/dev10"))
        #expect(token.expiry == 1_795_767_968 && token.policy == nil)
    }

    @Test("the Python SDK's token shape parses: upper-case escapes in sr and sig")
    func pythonShape() throws {
        let token = try SASToken.parse(
            "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=1hqTjMrFQ4XdHROv1W3KZfTiapvIZR5qGC0U%2BSiI8ng%3D&se=1795767968")
        #expect(token.resource == "myhub.azure-devices.net/devices/dev1" && token.signature.count == 32)
    }

    @Test("malformed tokens are refused with the reason", arguments: [
        ("sr=a&sig=b&se=1", "the password is not a SharedAccessSignature"),
        ("SharedAccessSignature sr=a&sig=YQ==", "the SAS token lacks sr, sig or se"),
        ("SharedAccessSignature sr=a&sig=YQ==&se=x", "the SAS expiry 'x' is not a number"),
        ("SharedAccessSignature sr=a&sig=YQ==&se=1&foo=2", "SAS field 4 is not one of sr, sig, se, skn"),
        ("SharedAccessSignature sr=a&sig=YQ==&se=1&abc", "SAS field 4 (3 characters) has no '='"),
    ])
    func malformed(_ text: String, _ reason: String) {
        #expect(throws: SASError(reason)) { try SASToken.parse(text) }
    }

    @Test("a device key sent in place of a token is not echoed in the refusal (which is logged)")
    func keyNotEchoed() throws {
        let key = "q8kbyH3N1fAd8UnFxw9Z1gJ3sGAXtAA/Ce6q5qkRmZk="
        for text in ["SharedAccessSignature \(key)", "SharedAccessSignature sr=a&\(key)", "SharedAccessSignature \(key.dropLast())"] {
            let error = try #require(throws: SASError.self) { try SASToken.parse(text) }
            #expect(!"\(error)".contains(key.prefix(12)))
        }
    }
}

/// The query-language subset (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-query-language).
@Suite("Twin queries")
struct QueryTests {
    let twins = [
        try! JSONValue.parse(#"{"deviceId":"a","status":"enabled","tags":{"site":"lab"},"properties":{"reported":{"battery":80}}}"#),
        try! JSONValue.parse(#"{"deviceId":"b","status":"disabled","tags":{},"properties":{"reported":{"battery":20}}}"#),
    ]

    func ids(_ query: String) throws -> [String] {
        let parsed = try TwinQuery.parse(query)
        return self.twins.filter(parsed.matches).compactMap { $0["deviceId"]?.stringValue }
    }

    @Test("predicates")
    func predicates() throws {
        #expect(try self.ids("SELECT * FROM devices") == ["a", "b"])
        #expect(try self.ids("SELECT * FROM devices WHERE tags.site = 'lab'") == ["a"])
        #expect(try self.ids("select * from devices where properties.reported.battery < 50 OR status = 'enabled'") == ["a", "b"])
        #expect(try self.ids("SELECT * FROM devices WHERE NOT (status = 'enabled') AND properties.reported.battery >= 20") == ["b"])
        #expect(try self.ids("SELECT * FROM devices WHERE IS_DEFINED(tags.site)") == ["a"])
        #expect(try TwinQuery.parse("SELECT COUNT() AS total FROM devices").countAlias == "total")
    }

    @Test("unsupported queries are refused")
    func refused() {
        #expect(throws: QueryError.self) { try TwinQuery.parse("SELECT deviceId FROM devices") }
        #expect(throws: QueryError.self) { try TwinQuery.parse("SELECT * FROM devices WHERE") }
    }
}
