import Firmware
import FirmwareConfig
import Foundation
import Testing
@testable import nrfsim

/// Where the virtual board's resolver sends hostnames: `--hub` and the `CONFIG_SIM_LOCAL_*` options.
@Suite("The device's resolver")
struct DeviceResolverTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The simulator options of the repository's application on the nRF9161 DK, with `assignments`.
    func simulator(_ assignments: [String] = []) throws -> SimulatorConfiguration {
        let build = try ConfigurationBuild(appDirectory: Self.repository, board: "nrf9161dk/nrf9161/ns", assignments: assignments)
        return try #require(build.configuration).simulator
    }

    @Test("by default every hostname goes to 127.0.0.1, on the hub, DPS and HTTPS ports")
    func defaults() throws {
        let resolver = try DeviceResolver.make(hub: nil, simulator: try self.simulator())
        #expect(resolver == .local(address: "127.0.0.1", hubPort: 8883, dpsPort: 8883, httpsPort: 8443))
        #expect(resolver.resolve("myhub.azure-devices.net", port: 8883, for: .hub) == ("127.0.0.1", 8883))
    }

    @Test("CONFIG_SIM_LOCAL_ADDRESS moves every service to that address", arguments: ["127.0.0.7", "::1", "10.1.2.3"])
    func address(_ address: String) throws {
        let simulator = try self.simulator(["CONFIG_SIM_LOCAL_ADDRESS=\"\(address)\"", "CONFIG_SIM_LOCAL_HTTPS_PORT=28943"])
        let resolver = try DeviceResolver.make(hub: "local", simulator: simulator)
        #expect(resolver.resolve("myhub.azure-devices.net", port: 8883, for: .hub) == (address, 8883))
        #expect(resolver.resolve("global.azure-devices-provisioning.net", port: 8883, for: .dps) == (address, 8883))
        #expect(resolver.resolve("fw.blob.core.windows.net", port: 443, for: .download) == (address, 28943))
    }

    @Test("--hub azure is real DNS, whatever the address")
    func azure() throws {
        let simulator = try self.simulator(["CONFIG_SIM_LOCAL_ADDRESS=\"127.0.0.7\""])
        #expect(try DeviceResolver.make(hub: "azure", simulator: simulator) == .system)
    }

    @Test("an address that is not an IP literal stops the device, naming the option and the value",
          arguments: ["localhost", "127.0.0.300", "127.0.0.1:8883", " 127.0.0.1"])
    func notAnAddress(_ value: String) throws {
        let simulator = try self.simulator(["CONFIG_SIM_LOCAL_ADDRESS=\"\(value)\""])
        #expect(throws: DeviceResolverError.notAnIPAddress(symbol: "CONFIG_SIM_LOCAL_ADDRESS", value: value)) {
            try DeviceResolver.make(hub: nil, simulator: simulator)
        }
        let error = DeviceResolverError.notAnIPAddress(symbol: "CONFIG_SIM_LOCAL_ADDRESS", value: value)
        #expect("\(error)".hasPrefix("CONFIG_SIM_LOCAL_ADDRESS=\"\(value)\" is not an IPv4 or IPv6 address"))
    }
}
