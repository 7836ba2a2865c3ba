import ArgumentParser
import HubClient
import HubEmulator
import JSON

extension AzCommand.IoT.Hub {
    /// `nrfsim az iot hub emulator`: the emulator's own controls, not in az: the cloud misbehaving on purpose.
    struct Emulator: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "emulator", abstract: "The emulator's own controls (not in az): hub-initiated disconnects, the server root, the traffic ledger.",
            subcommands: [Disconnect.self, ServerRootCommand.self, Ledger.self])

        struct Ledger: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "ledger",
                abstract: "What each device's connections cost on the wire since the hub started: bytes up and down by category (TLS handshake, TLS records, MQTT control, MQTT payload, keep-alive), TLS handshakes, MQTT packets by type.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")], help: "The device (default: every device that connected).") var deviceID: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let path = self.deviceID.map { "/admin/hubs/\(hub)/devices/\($0)/ledger" } ?? "/admin/hubs/\(hub)/ledger"
                try self.output.print(try await AzEmulator.call(.GET, path))
            }
        }

        struct Disconnect: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "disconnect", abstract: "Close a device's connection (or every device's of the hub), as IoT Hub does when it moves or updates a hub.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")], help: "The device (default: every connected device of the hub).") var deviceID: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let path = self.deviceID.map { "/admin/hubs/\(hub)/devices/\($0)/disconnect" } ?? "/admin/hubs/\(hub)/disconnect"
                try self.output.print(try await AzEmulator.call(.POST, path))
            }
        }

        struct ServerRootCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "server-root", abstract: "The server root new TLS handshakes present (existing connections keep theirs).",
                subcommands: [Show.self, Set.self])

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the presented root and both roots' certificates.")
                @OptionGroup var output: AzOutput

                func run() async throws { try self.output.print(try await AzEmulator.call(.GET, "/admin/server-root")) }
            }

            struct Set: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "set", abstract: "Present another root from the next TLS handshake on.")
                @Option(help: "'digicert-g2' or 'baltimore'.") var root: String
                @OptionGroup var output: AzOutput

                func validate() throws {
                    do {
                        _ = try ServerRoot(parsing: self.root)
                    } catch {
                        throw ValidationError("--root: \(error)")
                    }
                }

                func run() async throws {
                    let body = JSONValue.object(JSONObject([("serverRoot", .string(self.root))]))
                    try self.output.print(try await AzEmulator.call(.PUT, "/admin/server-root", body: body))
                }
            }
        }
    }
}
