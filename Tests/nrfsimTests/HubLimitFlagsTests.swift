import ArgumentParser
import HubEmulator
import JSON
import Testing
@testable import nrfsim

/// `nrfsim hub`'s limit flags set the ``Limits`` the listeners and parsers are built with.
@Suite("nrfsim hub limit flags")
struct HubLimitFlagsTests {
    @Test("without flags the limits are the defaults")
    func defaults() throws {
        let limits = try HubCommand.parse([]).limits
        #expect(limits.json == Limits.defaultPeerJSON)
        #expect(limits.maximumRequestBody == 8 * 1024 * 1024)
        #expect(limits.telemetryBufferBytes == Limits.defaultTelemetryBufferBytes)
    }

    @Test("the JSON and body flags set the parser's bounds; the body bound caps the JSON text")
    func jsonAndBody() throws {
        let limits = try HubCommand.parse(["--json-max-depth", "5", "--json-max-keys", "7", "--max-body-mib", "2"]).limits
        #expect(limits.json.maximumDepth == 5)
        #expect(limits.json.maximumKeysPerObject == 7)
        #expect(limits.maximumRequestBody == 2 * 1024 * 1024)
        #expect(limits.json.maximumBytes == 2 * 1024 * 1024)
    }

    @Test("a flag below 1 is refused, naming the flag", arguments: ["--json-max-depth", "--json-max-keys", "--max-body-mib"])
    func refused(_ flag: String) {
        do {
            _ = try HubCommand.parse([flag, "0"])
            Issue.record("\(flag) 0 was accepted")
        } catch {
            #expect(HubCommand.message(for: error) == "\(flag) must be at least 1, not 0")
        }
    }
}

/// `nrfsim hub --dps-fault`: what DPS does to register and status requests instead of serving them.
@Suite("nrfsim hub --dps-fault")
struct DPSFaultFlagTests {
    @Test("'reply:STATUS' and 'drop' parse", arguments: [
        ("reply:429", ProvisioningFault.reply(status: 429)), ("reply:500", .reply(status: 500)), ("drop", .drop),
    ])
    func parses(_ text: String, _ fault: ProvisioningFault) throws {
        #expect(try ProvisioningFault(parsing: text) == fault)
        #expect(fault.description == text)
        _ = try HubCommand.parse(["--dps-fault", text])
    }

    @Test("a value that is no fault is refused, naming the value and what is expected", arguments: [
        ("reply:200", "--dps-fault: 'reply:200': '200' is not an HTTP error status (400-599)"),
        ("reply:", "--dps-fault: 'reply:': '' is not an HTTP error status (400-599)"),
        ("throttle", "--dps-fault: 'throttle' is not a DPS fault: expected 'reply:STATUS' (an HTTP status, 400-599) or 'drop'"),
    ])
    func refused(_ text: String, _ message: String) {
        do {
            _ = try HubCommand.parse(["--dps-fault", text])
            Issue.record("--dps-fault \(text) was accepted")
        } catch {
            #expect(HubCommand.message(for: error) == message)
        }
    }
}

/// `nrfsim hub --blob-fault`: what blob storage does to blob reads instead of serving them.
@Suite("nrfsim hub --blob-fault")
struct BlobFaultFlagTests {
    @Test("'reply:STATUS' and 'no-range' parse", arguments: [
        ("reply:403", BlobFault.reply(status: 403)), ("reply:404", .reply(status: 404)), ("reply:500", .reply(status: 500)),
        ("no-range", .noRange),
    ])
    func parses(_ text: String, _ fault: BlobFault) throws {
        #expect(try BlobFault(parsing: text) == fault)
        #expect(fault.description == text)
        _ = try HubCommand.parse(["--blob-fault", text])
    }

    @Test("a value that is no fault is refused, naming the value and what is expected", arguments: [
        ("reply:206", "--blob-fault: 'reply:206': '206' is not an HTTP error status (400-599)"),
        ("reply:x", "--blob-fault: 'reply:x': 'x' is not an HTTP error status (400-599)"),
        ("drop", "--blob-fault: 'drop' is not a blob storage fault: expected 'reply:STATUS' (an HTTP status, 400-599) or 'no-range'"),
    ])
    func refused(_ text: String, _ message: String) {
        do {
            _ = try HubCommand.parse(["--blob-fault", text])
            Issue.record("--blob-fault \(text) was accepted")
        } catch {
            #expect(HubCommand.message(for: error) == message)
        }
    }
}
