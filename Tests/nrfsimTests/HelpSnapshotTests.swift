import ArgumentParser
import Foundation
import Testing
@testable import nrfsim

/// The CLI's help is human-facing output, kept as golden files. `RECORD_SNAPSHOTS=1` rewrites them.
@Suite("Command-line help")
struct HelpSnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static let commands: [(String, any ParsableCommand.Type)] = [
        ("nrfsim-help.txt", NrfSim.self),
        ("device-help.txt", DeviceCommand.self),
        ("config-help.txt", ConfigCommand.self),
        ("cert-tool-help.txt", CertToolCommand.self),
        ("cert-tool-sign-help.txt", CertToolCommand.Sign.self),
        ("hub-help.txt", HubCommand.self),
        ("az-help.txt", AzCommand.self),
        ("az-iot-hub-help.txt", AzCommand.IoT.Hub.self),
        ("az-device-identity-create-help.txt", AzCommand.IoT.Hub.DeviceIdentity.Create.self),
        ("az-iot-dps-help.txt", AzCommand.IoT.DPS.self),
        ("az-dps-enrollment-group-create-help.txt", AzCommand.IoT.DPS.EnrollmentGroup.Create.self),
        ("az-dps-enrollment-create-help.txt", AzCommand.IoT.DPS.Enrollment.Create.self),
        ("az-hub-emulator-ledger-help.txt", AzCommand.IoT.Hub.Emulator.Ledger.self),
    ]

    @Test("help matches its snapshot", arguments: HelpSnapshotTests.commands.map(\.0))
    func help(_ file: String) throws {
        let command = try #require(Self.commands.first { $0.0 == file }?.1)
        let actual = NrfSim.helpMessage(for: command, columns: 100) + "\n"
        let url = Self.directory.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(actual == (try String(contentsOf: url, encoding: .utf8)))
    }

    @Test("a bad board is rejected with a message naming it")
    func badBoard() {
        do {
            _ = try DeviceCommand.parse(["--board", "nope"])
            Issue.record("an unknown board was accepted")
        } catch {
            #expect(DeviceCommand.message(for: error).contains("unknown board \"nope\""))
        }
    }

    @Test("a -D without CONFIG_NAME=VALUE is rejected with a message naming it")
    func badDefine() {
        do {
            _ = try ConfigCommand.parse(["-D", "FOO"])
            Issue.record("a malformed -D was accepted")
        } catch {
            #expect(ConfigCommand.message(for: error).contains("-D 'FOO': expected CONFIG_NAME=VALUE"))
        }
    }
}
