import ArgumentParser
import Foundation
import Kconfig

/// `nrfsim config`: evaluates the application's Kconfig, `prj.conf` and board files as a Zephyr build does.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Evaluate Kconfig, boards/ and prj.conf as a Zephyr build does, and print the result.",
        discussion: """
            Fragments merge in Zephyr's order: the board's defconfig, prj.conf, boards/<board>.conf, each --conf \
            (like EXTRA_CONF_FILE), then -D assignments. Every Kconfig warning and kconfig.py check is printed to \
            standard error; the exit status is non-zero exactly when a Zephyr build would abort.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case config, header, json
    }

    @Option(name: .customLong("app-dir"), help: "The application directory (its Kconfig, prj.conf and boards/).")
    var appDirectory = "."

    @Option(help: "The board target, e.g. nrf9161dk/nrf9161/ns. May be omitted for a tree that defines no boards.")
    var board: String?

    @Option(name: .customLong("conf"), help: "An extra fragment, applied after prj.conf (repeatable).")
    var extraFragments: [String] = []

    @Option(name: .customShort("D"), help: ArgumentHelp("An assignment applied last (repeatable).", valueName: "CONFIG_X=V"))
    var assignments: [String] = []

    @Option(help: "What to print: config (.config), header (autoconf.h) or json (every symbol with its origin).")
    var format: Format = .config

    func validate() throws {
        for assignment in self.assignments where !(assignment.hasPrefix("CONFIG_") && assignment.contains("=")) {
            throw ValidationError("-D '\(assignment)': expected CONFIG_NAME=VALUE")
        }
    }

    func run() throws {
        let board: BoardTarget?
        do {
            board = try self.board.map { try BoardTarget.resolve($0, appDirectory: self.appDirectory) }
        } catch {
            throw CommandFailure("error: \(error)")
        }
        let build = ZephyrKconfigBuild(
            appDirectory: self.appDirectory, board: board, extraFragments: self.extraFragments,
            assignments: self.assignments, environment: ProcessInfo.processInfo.environment)
        let outcome = build.run()
        for message in outcome.kconfig?.infoMessages ?? [] { Console.printError(message) }  // $(info,…)
        for line in outcome.diagnostics { Console.printError(line) }
        switch self.format {
        case .config: if outcome.error == nil { Console.write(outcome.configText) }
        case .header: if outcome.error == nil { Console.write(outcome.autoconfText) }
        case .json: Console.write(outcome.jsonReport(board: board?.target, fragments: build.fragments, boardEnvironment: board?.environment ?? [:]))
        }
        if outcome.isFatal { throw ExitCode(1) }
    }
}
