import JSON
import Testing
@testable import HubEmulator

/// Twin documents, merge semantics, versions and validation ("Understand and use device twins in IoT Hub",
/// learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins).
@Suite("Twin")
struct TwinTests {
    func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

    @Test("the device GET document is desired and reported with their versions")
    func deviceDocument() {
        #expect(Twin().deviceDocument.text == #"{"desired":{"$version":1},"reported":{"$version":1}}"#)
    }

    @Test("reported patches merge (null deletes, objects merge) and bump the reported version")
    func reportedMerge() throws {
        var twin = Twin()
        #expect(try twin.applyReported(try self.json(#"{"fw":"1.0","nested":{"a":1,"b":{"c":true}}}"#), now: "t1") == 2)
        #expect(try twin.applyReported(try self.json(#"{"nested":{"a":null,"b":{"d":2}},"fw":null}"#), now: "t2") == 3)
        #expect(JSONValue.object(twin.reported).text == #"{"nested":{"b":{"c":true,"d":2}}}"#)
        #expect(twin.version == 3 && twin.desiredVersion == 1)
        #expect(twin.reportedMetadata["$lastUpdated"] == .string("t2"))
        #expect(twin.reportedMetadata["nested"]?["b"]?["d"]?["$lastUpdated"] == .string("t2"))
        #expect(twin.reportedMetadata["fw"] == nil)
        #expect(twin.etag == "AAAAAAAAAAM=")
    }

    @Test("service patches notify the device with the change and the new desired version; tags alone do not")
    func servicePatch() throws {
        var twin = Twin()
        let notification = try twin.applyServicePatch(try self.json(#"{"tags":{"site":"lab"},"properties":{"desired":{"rate":10}}}"#), now: "t")
        #expect(notification?.text == #"{"rate":10,"$version":2}"#)
        #expect(try twin.applyServicePatch(try self.json(#"{"tags":{"floor":2}}"#), now: "t") == nil)
        #expect(JSONValue.object(twin.tags).text == #"{"site":"lab","floor":2}"#)
        let replaced = try twin.applyServiceReplace(try self.json(#"{"tags":{},"properties":{"desired":{"mode":"eco","$version":9}}}"#), now: "t")
        #expect(replaced.text == #"{"mode":"eco","$version":3}"#)
        #expect(twin.tags.isEmpty)
    }

    @Test("invalid documents answer 400, oversize ones 413", arguments: [
        (#"[1]"#, 400), (#"{"a.b":1}"#, 400), (#"{"$x":1}"#, 400), (#"{"a b":1}"#, 400),
        (#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":1}}}}}}}}}}}"#, 400),
        (#"{"n":4503599627370496}"#, 400),
    ])
    func invalid(_ text: String, _ status: Int) throws {
        var twin = Twin()
        #expect { try twin.applyReported(try JSONValue.parse(text), now: "t") } throws: { error in
            (error as? TwinError)?.status == status
        }
        #expect(twin.reportedVersion == 1)
    }

    @Test("a reported document over 32 KB is refused with 413")
    func tooLarge() throws {
        var twin = Twin()
        let big = String(repeating: "x", count: 4000)
        let patch = "{" + (0..<9).map { #""k\#($0)":"\#(big)""# }.joined(separator: ",") + "}"
        #expect { try twin.applyReported(try JSONValue.parse(patch), now: "t") } throws: { error in (error as? TwinError)?.status == 413 }
    }
}

