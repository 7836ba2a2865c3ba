import Firmware
import Logging
import NetworkModel
import VirtualModem

/// The device's `getaddrinfo()` through its simulated network: the resolver's own answer is where the relay
/// forwards; the device dials the relay.
final class RelayNameService: NameService {
    let base: HostResolver
    let network: DeviceNetwork
    let logger: Logger

    init(base: HostResolver, network: DeviceNetwork, logger: Logger) {
        self.base = base
        self.network = network
        self.logger = logger
    }

    func lookup(_ hostname: String, port: Int, for service: HostResolver.Service) -> (address: String, port: Int)? {
        guard let target = self.base.lookup(hostname, port: port, for: service) else { return nil }
        do {
            return try self.network.relayAddress(for: target.address, port: target.port)
        } catch {
            self.logger.error("network model: \(error)")
            return nil
        }
    }
}

/// The virtual modem's radio on the relay's byte path: downlink waits while it sleeps (PSM).
struct ModemRadioGate: RadioGate {
    let modem: Modem
    let logger: Logger

    func uplink() { _ = self.modem.uplink() }

    func downlink(byteCount: Int, deliver: @escaping @Sendable () -> Void) -> Bool {
        self.modem.downlink(byteCount: byteCount, deliver: deliver) != .dropped
    }

    func coverageChanged(_ inCoverage: Bool) { self.modem.setCoverage(inCoverage) }

    func networkChanged(_ change: RadioNetworkChange) {
        do {
            let policy = try self.modem.snapshot.network.applying(change)
            self.modem.updateNetwork { $0 = policy }
        } catch {
            // NetworkOptions.scenario(configured:appDirectory:) tried every change before the device started.
            self.logger.error("scenario: \(error)")
        }
    }
}
