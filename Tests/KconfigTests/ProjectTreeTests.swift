import Foundation
import Testing
@testable import FirmwareConfig
@testable import Kconfig

/// The project's own tree: every board builds cleanly, and the nRF9161 DK output is kept as golden files.
/// `RECORD_GOLDEN=1` rewrites them (the interop suite checks them byte for byte against kconfiglib).
@Suite("Project Kconfig tree")
struct ProjectTreeTests {
    static let boards = [
        "nrf9160dk/nrf9160/ns", "nrf9161dk/nrf9161/ns", "nrf9151dk/nrf9151/ns", "thingy91/nrf9160/ns",
        "thingy91x/nrf9151/ns", "nrf7002dk/nrf5340/cpuapp/ns", "native_sim",
    ]
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The board fragments in boards/ and overlay-dps.conf are nRF Connect SDK v2.9.0's own
    /// (samples/net/azure_iot_hub), so each loads here as it does there: with no warning.
    @Test("every board builds without a warning, alone, with overlay-dps.conf and with dps.conf", arguments: ProjectTreeTests.boards)
    func boardBuilds(_ board: String) throws {
        for extra in [[], ["overlay-dps.conf"], ["dps.conf"]] {
            let build = try ConfigurationBuild(appDirectory: repositoryRoot, board: board, extraFragments: extra.map { repositoryRoot + "/" + $0 })
            #expect(build.outcome.diagnostics.isEmpty, "\(board) \(extra): \(build.outcome.diagnostics)")
            #expect(build.configuration?.board.target == board)
        }
    }

    @Test("the boards are the ones the issue lists")
    func boardList() {
        #expect(BoardTarget.available(appDirectory: repositoryRoot) == Self.boards.sorted())
    }

    @Test(".config and autoconf.h for nrf9161dk match the golden files", arguments: ["config", "autoconf.h"])
    func goldenOutput(_ kind: String) throws {
        let build = try ConfigurationBuild(appDirectory: repositoryRoot, board: "nrf9161dk/nrf9161/ns")
        let text = kind == "config" ? build.outcome.configText : build.outcome.autoconfText
        let url = Self.golden.appendingPathComponent("nrf9161dk_nrf9161_ns.\(kind)")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(text == (try String(contentsOf: url, encoding: .utf8)))
    }

    @Test("an unknown board names the boards that exist")
    func unknownBoard() {
        #expect {
            _ = try BoardTarget.resolve("nrf5340dk/nrf5340/cpuapp", appDirectory: repositoryRoot)
        } throws: { error in
            "\(error)".contains("board 'nrf5340dk/nrf5340/cpuapp' not found") && "\(error)".contains("nrf9161dk/nrf9161/ns")
        }
    }
}
