import Foundation
@testable import Kconfig

/// The repository root (the project's own Kconfig tree lives there).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A throwaway application directory with the given files; removed when the value is released.
final class ScratchTree {
    let path: String

    init(_ files: [String: String]) throws {
        self.path = FileManager.default.temporaryDirectory.appendingPathComponent("kconfig-\(UUID().uuidString)").path
        for (name, text) in files {
            try self.write(name, Data(text.utf8))
        }
        if files["prj.conf"] == nil { try self.write("prj.conf", Data()) }
    }

    func write(_ name: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: self.path).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Runs the Zephyr pipeline on the tree (no board) with `prj.conf` and the extra fragments.
    func build(
        extra: [String] = [], assignments: [String] = [], environment: [String: String] = [:], limits: KconfigLimits = .default
    ) -> ZephyrKconfigOutcome {
        ZephyrKconfigBuild(
            appDirectory: self.path, extraFragments: extra.map { self.path + "/" + $0 }, assignments: assignments,
            environment: environment, limits: limits
        ).run()
    }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }
}
