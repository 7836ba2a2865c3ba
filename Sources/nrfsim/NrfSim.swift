import ArgumentParser

/// The `nrfsim` command: a virtual nRF91 device and the tools around it.
@main
struct NrfSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nrfsim",
        abstract: "A virtual nRF91 device for the nRF Connect SDK's Azure IoT Hub firmware.",
        subcommands: [DeviceCommand.self, ConfigCommand.self, CertToolCommand.self, HubCommand.self, AzCommand.self]
    )
}
