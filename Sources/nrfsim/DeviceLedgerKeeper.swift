import FirmwareConfig
import Foundation
import Logging
import NetworkModel
import ServiceLifecycle
import SimCore
import TrafficLedger
import UnixSignals
import VirtualModem

/// Keeps `nrfsim device`'s ledger: the relay's byte counts, the MQTT packets libmosquitto reports, and the modem's
/// radio time; prints it on the console and writes it as JSON.
struct DeviceLedgerKeeper: Sendable {
    let network: DeviceNetwork
    let modem: Modem?
    let clock: any SimClock
    let profile: EnergyProfile
    /// The ports MQTT connections go to (the helper's, or the local hub's and DPS's): libmosquitto's packets
    /// belong to the latest connection to one of them.
    let mqttPorts: Set<Int>
    /// Where the JSON goes, if anywhere.
    let file: String?

    /// The ledger of a device configured with `configuration`: the JSON goes to `file` (`--ledger`), or to
    /// `CONFIG_SIM_LEDGER_FILE` (relative to the state directory).
    init(configuration: FirmwareConfiguration, network: DeviceNetwork, modem: Modem?, file: String?, stateDirectory: String) {
        let settings = configuration.simulator.ledger
        self.network = network
        self.modem = modem
        self.clock = network.clock
        self.profile = Self.profile(from: settings)
        let simulator = configuration.simulator
        self.mqttPorts = [configuration.mqttHelper.port, simulator.localHubPort, simulator.localDPSPort]
        self.file = file ?? settings.file.map {
            $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: stateDirectory).appendingPathComponent($0).path
        }
    }

    /// The energy profile `CONFIG_SIM_LEDGER_*` give (the defaults when the ledger is off in Kconfig).
    static func profile(from configuration: SimulatedLedgerConfiguration?) -> EnergyProfile {
        var profile = EnergyProfile()
        guard let configuration, configuration.enabled else { return profile }
        profile.supplyMillivolts = configuration.supplyMillivolts
        profile.connectedNanoamps = configuration.connectedNanoamps
        profile.idleNanoamps = configuration.idleNanoamps
        profile.edrxIdleNanoamps = configuration.edrxIdleNanoamps
        profile.psmNanoamps = configuration.psmNanoamps
        profile.periodicTAUMicrojoules = configuration.periodicTAUMicrojoules
        return profile
    }

    /// A line libmosquitto logged: the packet it reports, if any, goes to its connection.
    func libraryLogged(_ line: String) {
        guard let event = MosquittoLogEvent(logLine: line) else { return }
        self.network.record(event, ports: self.mqttPorts)
    }

    /// The ledger now.
    var ledger: DeviceLedger {
        var radio = RadioTime()
        if let status = self.modem?.radioStatus {
            func seconds(_ state: RadioState) -> Double {
                let (whole, fraction) = (status.timeSpent[state] ?? .zero).components
                return Double(whole) + Double(fraction) / 1e18
            }
            radio.connectedSeconds = seconds(.connected)
            radio.idleSeconds = seconds(.idle)
            radio.edrxIdleSeconds = seconds(.edrxIdle)
            radio.psmSeconds = seconds(.psm)
            radio.offSeconds = seconds(.off)
            radio.periodicTAUs = status.periodicTAUs
            radio.rrcConnections = status.rrcConnections
        }
        let (whole, fraction) = self.clock.now.components
        return DeviceLedger(
            simulatedSeconds: Double(whole) + Double(fraction) / 1e18, connections: self.network.connectionLedgers, radio: radio,
            profile: self.profile)
    }

    /// Writes the file, then prints the summary on the console (so the file is current once the summary shows).
    /// - Throws: ``CommandFailure`` when the file cannot be written (the summary is printed all the same).
    func report() throws(CommandFailure) {
        let ledger = self.ledger
        defer { Console.print(LedgerSummary.lines(ledger).joined(separator: "\n")) }
        guard let file = self.file else { return }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(ledger).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw CommandFailure("cannot write the ledger to \(file): \(error.localizedDescription)")
        }
    }
}

/// Reports the ledger each time the process gets SIGUSR1 (`kill -USR1 <pid>`).
struct LedgerSignalService: Service {
    let keeper: DeviceLedgerKeeper
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigusr1)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    try self.keeper.report()
                } catch {
                    // The device keeps running; the next signal or the exit tries again.
                    Console.printError("ERROR: \(error)")
                    self.logger.error("\(error)")
                }
            }
        }
    }
}
