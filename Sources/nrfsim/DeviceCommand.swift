import ArgumentParser
import FirmwareConfig
import Kconfig
import Foundation
import Logging
import PTY
import ServiceLifecycle
import UnixSignals
import SimCore
import VirtualModem

/// `nrfsim device`: boots a virtual board whose modem AT interface is on a new pseudo-terminal.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Boot a virtual board; its modem's AT interface appears on a new pseudo-terminal."
    )

    @Option(help: "The board, as in west build -b (\(Board.all.filter(\.hasCellularModem).map(\.name).joined(separator: ", "))).")
    var board: String = "nrf9161dk/nrf9161/ns"

    @Option(help: "The application to run. at_client exposes the modem's AT interface only.")
    var app: String = "at_client"

    @Option(name: .customLong("state-dir"), help: "Where the device keeps its modem store and settings.")
    var stateDirectory: String = "state/device"

    @Option(help: "Seed for the device's identity and randomness (default: from system entropy).")
    var seed: UInt64?

    @Option(help: "Also create a symbolic link at this path pointing to the pseudo-terminal.")
    var link: String?

    @Flag(name: .customLong("keygen-overwrite"), help: "Let %KEYGEN replace an existing key instead of answering 519.")
    var keygenOverwrite = false

    @Option(name: .customLong("app-dir"), help: "The application directory whose Kconfig, prj.conf and boards/ configure the firmware.")
    var appDirectory = "."

    @Option(name: .customLong("conf"), help: "An extra Kconfig fragment, applied after prj.conf (repeatable).")
    var extraFragments: [String] = []

    @Option(name: .customShort("D"), help: ArgumentHelp("A Kconfig assignment applied last (repeatable).", valueName: "CONFIG_X=V"))
    var assignments: [String] = []

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard let board = Board.named(self.board) else {
            throw ValidationError("--board: unknown board \"\(self.board)\"; known: \(Board.all.map(\.name).joined(separator: ", "))")
        }
        guard self.app == "at_client" else {
            throw ValidationError("--app: unknown application \"\(self.app)\"; available: at_client")
        }
        guard board.hasCellularModem else {
            throw ValidationError("--app at_client needs a board with an nRF91 modem; \(board.name) has none")
        }
    }

    func run() async throws {
        let logger = self.logging.bootstrap(label: "nrfsim.device")
        let board = Board.named(self.board)!
        _ = try self.loadConfiguration(logger: logger)
        let profile = ModemProfile.forSoC(board.soc)!
        var options = ModemCore.Options()
        options.keygenOverwritesKeys = self.keygenOverwrite
        let rng = self.seed.map { SeededGenerator(seed: $0) } ?? SeededGenerator.fromSystemEntropy()
        let modem: Modem
        do {
            modem = try Modem.open(
                stateDirectory: self.stateDirectory, profile: profile, rng: rng, options: options, logger: logger)
        } catch {
            throw CommandFailure("cannot open the modem store: \(error)")
        }
        let pty: PseudoTerminal
        do {
            pty = try PseudoTerminal()
        } catch {
            throw CommandFailure("cannot create a pseudo-terminal: \(error)")
        }
        defer { pty.close() }
        if let link = self.link {
            try? FileManager.default.removeItem(atPath: link)
            do {
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: pty.replicaPath)
            } catch {
                throw CommandFailure("cannot create link \(link): \(error.localizedDescription)")
            }
        }
        let shimDirectory = try SerialPortShim.install(in: self.stateDirectory, port: pty.replicaPath)
        let terminal = ModemTerminal(modem: modem, pty: pty, logger: logger)
        terminal.writeBanner()

        // Trap the signals before announcing the port, so a client that stops us at once still gets a clean exit.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: ModemService(terminal: terminal))], logger: logger))

        let identity = modem.identity
        Console.print(
            """
            *** nrfsim \(board.name) · \(self.app) · modem \(profile.firmwareRevision) ***
            IMEI: \(identity.imei)  device UUID: \(identity.deviceUUID)
            AT interface: \(pty.replicaPath)
            \(self.link.map { "Link: \($0) -> \(pty.replicaPath)\n" } ?? "")\
            nrfcredstore and nrfcloud-utils accept only ports that pyserial lists; this one is listed for them by:
              export PYTHONPATH=\(shimDirectory)
              nrfcredstore \(pty.replicaPath) list
            """)
        try await GracefulRun.run(group, stoppingOn: signals, logger: logger)
        if let link = self.link {
            try? FileManager.default.removeItem(atPath: link)
        }
        logger.info("device stopped; modem store is up to date")
    }

    /// Evaluates the application's Kconfig for the board as the build would. Like a Zephyr build that aborts, the
    /// device refuses to boot when there is any problem, after printing every one of them.
    private func loadConfiguration(logger: Logger) throws -> FirmwareConfiguration? {
        let kconfigPath = URL(fileURLWithPath: self.appDirectory).appendingPathComponent("Kconfig").path
        guard FileManager.default.fileExists(atPath: kconfigPath) else {
            logger.info("no Kconfig in \(self.appDirectory): \(self.app) runs with its built-in configuration")
            return nil
        }
        let build: ConfigurationBuild
        do {
            build = try ConfigurationBuild(
                appDirectory: self.appDirectory, board: self.board, extraFragments: self.extraFragments,
                assignments: self.assignments, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure("\(error)")
        }
        for line in build.outcome.diagnostics { Console.printError(line) }
        guard let configuration = build.configuration else {
            throw CommandFailure("the device does not boot: its Kconfig configuration has the errors listed above")
        }
        logger.info(
            "configuration loaded", metadata: ["fragments": "\(build.fragments.joined(separator: ", "))"])
        return configuration
    }
}
