import Kconfig

/// Evaluates an application's Kconfig for a board as a Zephyr build does and, when the build would succeed,
/// produces the firmware's typed configuration.
public struct ConfigurationBuild {
    public let outcome: ZephyrKconfigOutcome
    /// Nil exactly when the build would abort (see `outcome.diagnostics`).
    public let configuration: FirmwareConfiguration?
    public let fragments: [String]

    public init(
        appDirectory: String, board: String, extraFragments: [String] = [], assignments: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        let target = try BoardTarget.resolve(board, appDirectory: appDirectory)
        let build = ZephyrKconfigBuild(
            appDirectory: appDirectory, board: target, extraFragments: extraFragments, assignments: assignments,
            environment: environment)
        self.fragments = build.fragments
        self.outcome = build.run()
        if self.outcome.isFatal {
            self.configuration = nil
        } else {
            self.configuration = self.outcome.kconfig.map { FirmwareConfiguration(symbols: $0.symbolValues()) }
        }
    }
}
