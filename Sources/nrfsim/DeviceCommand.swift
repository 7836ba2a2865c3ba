import ArgumentParser
import Firmware
import FirmwareConfig
import Kconfig
import Foundation
import Logging
import NetworkModel
import PTY
import Secrets
import ServiceLifecycle
import SimCore
import Synchronization
import TrafficLedger
import UnixSignals
import VirtualModem

/// `nrfsim device`: boots a virtual board whose modem AT interface is on a new pseudo-terminal.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Boot a virtual board running the Azure IoT Hub sample; an nRF91 modem's AT interface appears on a new pseudo-terminal.",
        discussion: """
            The firmware is configured as a Zephyr build would be, from --app-dir's Kconfig, prj.conf and \
            boards/<board>.conf (plus --conf fragments and -D assignments); it refuses to boot on configuration \
            errors. Its console (the boot banner and Zephyr log lines) is standard output.
            """
    )

    static let applications = ["azure_iot_hub", "at_client"]

    @Option(help: "The board, as in west build -b (\(Board.all.map(\.name).joined(separator: ", "))).")
    var board: String = "nrf9161dk/nrf9161/ns"

    @Option(help: "The application to run: azure_iot_hub (the SDK sample) or at_client (the modem's AT interface only).")
    var app: String = "azure_iot_hub"

    @Option(help: "Where the device's resolver sends hub and DPS hostnames: local (nrfsim's emulator at CONFIG_SIM_LOCAL_ADDRESS, 127.0.0.1) or azure (real DNS). Default: CONFIG_SIM_LOCAL_CLOUD.")
    var hub: String?

    @Option(name: .customLong("state-dir"), help: "Where the device keeps its modem store and settings.")
    var stateDirectory: String = "state/device"

    @Option(help: "Make the device reproducible: its IMEI, UUID and MAC, and (derived by HKDF) its keys, follow from this seed. Test use only: anyone who knows the seed can recompute the keys. Default: keys from the system's CSPRNG.")
    var seed: UInt64?

    @Option(help: "Also create a symbolic link at this path pointing to the pseudo-terminal.")
    var link: String?

    @Flag(name: .customLong("keygen-overwrite"), help: "Let %KEYGEN replace an existing key instead of answering 519.")
    var keygenOverwrite = false

    @Option(name: .customLong("network-psm"), help: "What the simulated LTE network grants a PSM request (+CPSMS): as-requested, deny, or TAU,ACTIVE as 8-bit timer strings (e.g. 00000011,00100001).")
    var networkPSM = "as-requested"

    @Option(name: .customLong("network-edrx"), help: "What the simulated LTE network grants an eDRX request (+CEDRXS): as-requested, deny, or EDRX,PTW as 4-bit strings (e.g. 1001,0011).")
    var networkEDRX = "as-requested"

    @Option(name: .customLong("rrc-inactivity"), help: "The simulated network's RRC inactivity timer in seconds: how long a connection without data lasts before release to idle.")
    var rrcInactivity = 5

    @Option(name: .customLong("app-dir"), help: "The application directory whose Kconfig, prj.conf and boards/ configure the firmware.")
    var appDirectory = "."

    @Option(name: .customLong("conf"), help: "An extra Kconfig fragment, applied after prj.conf (repeatable).")
    var extraFragments: [String] = []

    @Option(name: .customShort("D"), help: ArgumentHelp("A Kconfig assignment applied last (repeatable).", valueName: "CONFIG_X=V"))
    var assignments: [String] = []

    @OptionGroup(title: "Simulated network") var network: NetworkOptions

    @Option(name: .customLong("ledger"), help: ArgumentHelp("Keep a ledger of the device's traffic, radio time and energy (turns the simulated network's relay on); print it on SIGUSR1 and at exit, and write it as JSON to FILE. Default: CONFIG_SIM_LEDGER, CONFIG_SIM_LEDGER_FILE.", valueName: "FILE"))
    var ledgerFile: String?

    @OptionGroup var time: TimeScaleOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard let board = Board.named(self.board) else {
            throw ValidationError("--board: unknown board \"\(self.board)\"; known: \(Board.all.map(\.name).joined(separator: ", "))")
        }
        guard Self.applications.contains(self.app) else {
            throw ValidationError(
                "--app: unknown application \"\(self.app)\"; available: \(Self.applications.joined(separator: ", "))")
        }
        guard board.hasCellularModem || self.app != "at_client" else {
            throw ValidationError("--app at_client needs a board with an nRF91 modem; \(board.name) has none")
        }
        if let hub = self.hub, hub != "local", hub != "azure" {
            throw ValidationError("--hub: \"\(hub)\" is neither local nor azure")
        }
        _ = try self.networkPolicy()
    }

    /// The simulated network from `--network-psm`, `--network-edrx` and `--rrc-inactivity`.
    func networkPolicy() throws(ValidationError) -> NetworkPolicy {
        var policy = NetworkPolicy()
        do {
            policy.psm = try NetworkPolicy.PSMGrant(parsing: self.networkPSM)
        } catch {
            throw ValidationError("--network-psm: \(error)")
        }
        do {
            policy.edrx = try NetworkPolicy.EDRXGrant(parsing: self.networkEDRX)
        } catch {
            throw ValidationError("--network-edrx: \(error)")
        }
        guard (1...86_400).contains(self.rrcInactivity) else {
            throw ValidationError("--rrc-inactivity: \(self.rrcInactivity) is not 1-86400 seconds")
        }
        policy.rrcInactivity = .seconds(self.rrcInactivity)
        return policy
    }

    func run() async throws {
        let logger = self.logging.bootstrap(label: "nrfsim.device")
        let board = Board.named(self.board)!
        let configuration = try self.loadConfiguration(logger: logger)
        if self.app == "azure_iot_hub", configuration == nil {
            throw CommandFailure("azure_iot_hub needs the application's Kconfig: none in \(self.appDirectory)")
        }
        // Checked before anything starts, like the configuration's own errors.
        var resolver: HostResolver
        if let configuration, self.app == "azure_iot_hub" {
            do {
                resolver = try DeviceResolver.make(hub: self.hub, simulator: configuration.simulator)
            } catch {
                throw CommandFailure("the device does not boot: \(error)")
            }
        } else {
            resolver = .system
        }
        // The simulated network: Kconfig's, then the flags; a bad scenario stops here, before anything starts.
        let networkSettings = configuration?.simulator.network
        let ledgerSettings = configuration?.simulator.ledger
        let ledgerOn = self.app == "azure_iot_hub" && (self.ledgerFile != nil || (ledgerSettings?.enabled ?? false))
        var networkConditions: LinkConditions?
        var scenario: Scenario?
        if self.app == "azure_iot_hub", (networkSettings?.enabled ?? false) || self.network.anyGiven || ledgerOn {
            let base = try networkSettings.map { settings throws(CommandFailure) in try NetworkOptions.conditions(from: settings) } ?? LinkConditions()
            networkConditions = try self.network.conditions(over: base)
            scenario = try self.network.scenario(configured: networkSettings?.scenario, appDirectory: self.appDirectory)
        }
        let secrets = SecretSource.forSeed(self.seed)
        if self.seed != nil {
            // The value is not repeated: with it, anyone can recompute the keys.
            let warning = "--seed given: this device's keys are derived from the seed and reproducible; for test use only"
            Console.print("WARNING: " + warning)
            logger.warning("\(warning)")
        }
        // One clock for the modem's radio timers and the network model, at --time-scale (the firmware's uptime runs
        // at the same rate from each boot).
        let scale = try self.time.scale
        let clock = HostClock(scale: scale)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var modem: Modem?
        var pty: PseudoTerminal?
        defer { pty?.close() }
        // The modem's radio timers (RRC inactivity, PSM) run on the scaled host clock.
        var radioTicker: RadioTicker?
        defer { radioTicker?.stop() }
        if board.hasCellularModem {
            // What a scenario grants at 00:00:00 holds from the first attach.
            var policy = try self.networkPolicy()
            for change in scenario?.radioChanges(upTo: .zero) ?? [] {
                do { policy = try policy.applying(change) } catch { throw CommandFailure("scenario: \(error)") }
            }
            let opened = try self.openModem(board: board, secrets: secrets, network: policy, clock: clock, logger: logger)
            modem = opened.modem
            pty = opened.pty
            radioTicker = RadioTicker(modem: opened.modem)
            radioTicker?.start()
            services.append(.init(service: ModemService(terminal: opened.terminal)))
        }
        var deviceNetwork: DeviceNetwork?
        var ledger: DeviceLedgerKeeper?
        if var networkConditions {
            // What the scenario sets at 00:00:00 holds before the firmware's first connection.
            if let start = scenario {
                networkConditions = start.conditions(at: .zero, from: networkConditions)
                scenario = start.after(.zero)
            }
            // Jitter and loss draws repeat under --seed (a stream of their own, apart from the identity's).
            let draws = Mutex(SeededGenerator(seed: (self.seed ?? UInt64.random(in: 0...UInt64.max)) ^ 0x6E65_7477_6F72_6B00))
            let network = DeviceNetwork(
                conditions: networkConditions, radio: modem.map { ModemRadioGate(modem: $0, logger: logger) as any RadioGate } ?? AlwaysOnRadio(),
                clock: clock, random: { draws.withLock { Double.random(in: 0..<1, using: &$0) } },
                ipModel: IPOverheadModel(mtu: ledgerSettings.flatMap { $0.enabled ? $0.mtu : nil } ?? 1280))
            deviceNetwork = network
            if !networkConditions.inCoverage { modem?.setCoverage(false) }  // a gap from 00:00:00
            if ledgerOn, let configuration {
                let keeper = DeviceLedgerKeeper(
                    configuration: configuration, network: network, modem: modem, file: self.ledgerFile, stateDirectory: self.stateDirectory)
                ledger = keeper
                services.append(.init(service: LedgerSignalService(keeper: keeper, logger: logger), successTerminationBehavior: .ignore))
            }
            resolver = .network(RelayNameService(base: resolver, network: network, logger: logger))
            if let scenario {
                services.append(
                    .init(service: ScenarioService(runner: .onHostClock(scenario: scenario, network: network)), successTerminationBehavior: .ignore))
            }
        }
        if let configuration, self.app == "azure_iot_hub" {
            let console = ZephyrConsole()
            let macAddress = try BoardIdentity.macAddress(stateDirectory: self.stateDirectory, rng: secrets.publicValues())
            let modemLibrary = modem.map { ModemLibraryAdapter(modem: $0) }
            let (stateDirectory, appDirectory) = (self.stateDirectory, self.appDirectory)
            let deviceResolver = resolver
            let ledgerKeeper = ledger
            let libraryLog: @Sendable (String) -> Void = { line in ledgerKeeper?.libraryLogged(line) }
            services.append(
                .init(
                    service: FirmwareService { reboot in
                        let uptime = MonotonicUptime(scale: scale)
                        do {
                            var platform = DeviceFirmware.Platform(
                                modem: modemLibrary, stateDirectory: stateDirectory, appDirectory: appDirectory,
                                resolver: deviceResolver, uptime: uptime, macAddress: macAddress,
                                makeLogger: { module in
                                    Logger(label: module) {
                                        ZephyrLogHandler(
                                            module: $0, uptime: uptime, console: console, threadPrefix: configuration.logging.threadPrefix)
                                    }
                                },
                                console: { console.write($0) }, reboot: reboot)
                            platform.mqttLibraryLog = libraryLog
                            return try DeviceFirmware(configuration: configuration, platform: platform)
                        } catch {
                            throw CommandFailure("the firmware cannot start: \(error)")
                        }
                    }))
        }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        try await GracefulRun.run(group, stoppingOn: signals, logger: logger)
        await deviceNetwork?.close()
        try ledger?.report()
        if let link = self.link {
            try? FileManager.default.removeItem(atPath: link)
        }
        logger.info("device stopped; modem store is up to date")
    }

    /// Opens the modem store and its pseudo-terminal, and prints where the AT interface is.
    private func openModem(
        board: Board, secrets: SecretSource, network: NetworkPolicy, clock: HostClock, logger: Logger
    ) throws -> (modem: Modem, pty: PseudoTerminal, terminal: ModemTerminal) {
        let profile = ModemProfile.forSoC(board.soc)!
        var options = ModemCore.Options()
        options.keygenOverwritesKeys = self.keygenOverwrite
        let modem: Modem
        do {
            modem = try Modem.open(
                stateDirectory: self.stateDirectory, profile: profile, secrets: secrets, options: options,
                network: network, clock: clock, logger: logger)
        } catch {
            throw CommandFailure("cannot open the modem store: \(error)")
        }
        let pty: PseudoTerminal
        do {
            pty = try PseudoTerminal()
        } catch {
            throw CommandFailure("cannot create a pseudo-terminal: \(error)")
        }
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
        return (modem, pty, terminal)
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
