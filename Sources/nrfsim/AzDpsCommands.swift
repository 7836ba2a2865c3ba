import ArgumentParser
import Foundation
import HubClient
import JSON

extension AzCommand.IoT {
    /// `az iot dps …` against the local DPS emulator.
    struct DPS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dps", abstract: "Manage Device Provisioning Service instances.",
            subcommands: [Create.self, Show.self, List.self, LinkedHub.self, Certificate.self, EnrollmentGroup.self, Enrollment.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a DPS instance (with a new ID scope).")
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @Option(name: [.customShort("l"), .long]) var location: String?
            @Option var sku = "S1"
            @OptionGroup var output: AzOutput

            func run() async throws { try self.output.print(try await AzEmulator.call(.PUT, "/admin/dps/\(self.name)")) }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a DPS instance (`--query properties.idScope`).")
            @Option(name: [.customShort("n"), .long]) var name: String?
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                try self.output.print(try await AzEmulator.call(.GET, "/admin/dps/\(try await AzEmulator.dpsName(self.name))"))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List DPS instances.")
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @OptionGroup var output: AzOutput

            func run() async throws { try self.output.print(try await AzEmulator.call(.GET, "/admin/dps")) }
        }

        /// `--dps-name`/`-n` and `--resource-group`/`-g`, as every `az iot dps` subcommand takes them.
        struct Target: ParsableArguments {
            @Option(name: [.customShort("n"), .customLong("dps-name")], help: "The DPS instance (optional when there is one).") var dpsName: String?
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?

            func path(_ rest: String = "") async throws -> String {
                "/admin/dps/\(try await AzEmulator.dpsName(self.dpsName))" + rest
            }
        }

        struct LinkedHub: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "linked-hub", abstract: "Hubs linked to a DPS instance.", subcommands: [Create.self, List.self, Delete.self])

            struct Create: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "create", abstract: "Link an IoT hub.")
                @OptionGroup var target: Target
                @Option(name: .customLong("hub-name"), help: "The hub's name.") var hubName: String?
                @Option(name: [.customLong("connection-string"), .customLong("cs")], help: "The hub's connection string (older az).") var connectionString: String?
                @Option(name: [.customLong("allocation-weight"), .customLong("aw")]) var allocationWeight: Int?
                @Option(name: [.customLong("apply-allocation-policy"), .customLong("ap")]) var applyAllocationPolicy: Bool?
                @Option(name: [.customShort("l"), .long]) var location: String?
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let hostFromConnectionString = self.connectionString?.split(separator: ";")
                        .first { $0.lowercased().hasPrefix("hostname=") }.map { String($0.dropFirst("hostname=".count)) }
                    let hub: String
                    if let named = self.hubName ?? hostFromConnectionString {
                        hub = named
                    } else {
                        hub = try await AzEmulator.hubName(nil)
                    }
                    var body = JSONObject()
                    if let weight = self.allocationWeight { body["allocationWeight"] = .integer(Int64(weight)) }
                    if let apply = self.applyAllocationPolicy { body["applyAllocationPolicy"] = .bool(apply) }
                    let instance = try await AzEmulator.call(.PUT, try await self.target.path("/linkedHubs/\(hub)"), body: .object(body))
                    try self.output.print(instance["properties"]?["iotHubs"] ?? .array([]))
                }
            }

            struct List: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "list", abstract: "List linked hubs.")
                @OptionGroup var target: Target
                @OptionGroup var output: AzOutput

                func run() async throws { try self.output.print(try await AzEmulator.call(.GET, try await self.target.path("/linkedHubs"))) }
            }

            struct Delete: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "delete", abstract: "Unlink a hub.")
                @OptionGroup var target: Target
                @Option(name: [.customLong("linked-hub"), .customLong("hub-name")]) var linkedHub: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let instance = try await AzEmulator.call(.DELETE, try await self.target.path("/linkedHubs/\(self.linkedHub)"))
                    try self.output.print(instance["properties"]?["iotHubs"] ?? .array([]))
                }
            }
        }

        struct Certificate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "certificate", abstract: "DPS CA certificates and proof of possession.",
                subcommands: [Create.self, GenerateVerificationCode.self, Verify.self, List.self, Show.self, Delete.self])

            struct Create: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "create", abstract: "Upload a CA certificate.")
                @Option(name: .customLong("dps-name")) var dpsName: String?
                @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
                @Option(name: [.customShort("n"), .customLong("name"), .customLong("certificate-name")]) var name: String
                @Option(name: [.customShort("p"), .long]) var path: String
                @Option(help: "Mark the certificate verified without proof of possession (true/false).") var verified = false
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let body = JSONValue.object(JSONObject([("certificate", .string(try readFile(self.path))), ("isVerified", .bool(self.verified))]))
                    let dps = try await AzEmulator.dpsName(self.dpsName)
                    try self.output.print(try await AzEmulator.call(.PUT, "/admin/dps/\(dps)/certificates/\(self.name)", body: body))
                }
            }

            struct GenerateVerificationCode: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "generate-verification-code", abstract: "Make a verification code for proof of possession.")
                @Option(name: .customLong("dps-name")) var dpsName: String?
                @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
                @Option(name: [.customShort("n"), .customLong("certificate-name"), .customLong("name")]) var name: String
                @Option(name: [.customShort("e"), .long]) var etag: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let dps = try await AzEmulator.dpsName(self.dpsName)
                    try self.output.print(try await AzEmulator.call(.POST, "/admin/dps/\(dps)/certificates/\(self.name)/generateVerificationCode", ifMatch: self.etag))
                }
            }

            struct Verify: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify a CA certificate with a certificate signed for the code.")
                @Option(name: .customLong("dps-name")) var dpsName: String?
                @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
                @Option(name: [.customShort("n"), .customLong("certificate-name"), .customLong("name")]) var name: String
                @Option(name: [.customShort("p"), .long]) var path: String
                @Option(name: [.customShort("e"), .long]) var etag: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let dps = try await AzEmulator.dpsName(self.dpsName)
                    let body = JSONValue.object(JSONObject([("certificate", .string(try readFile(self.path)))]))
                    try self.output.print(try await AzEmulator.call(.POST, "/admin/dps/\(dps)/certificates/\(self.name)/verify", ifMatch: self.etag, body: body))
                }
            }

            struct List: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "list", abstract: "List CA certificates.")
                @Option(name: .customLong("dps-name")) var dpsName: String?
                @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
                @OptionGroup var output: AzOutput

                func run() async throws {
                    try self.output.print(try await AzEmulator.call(.GET, "/admin/dps/\(try await AzEmulator.dpsName(self.dpsName))/certificates"))
                }
            }

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a CA certificate.")
                @Option(name: .customLong("dps-name")) var dpsName: String?
                @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
                @Option(name: [.customShort("n"), .customLong("certificate-name"), .customLong("name")]) var name: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let dps = try await AzEmulator.dpsName(self.dpsName)
                    try self.output.print(try await AzEmulator.call(.GET, "/admin/dps/\(dps)/certificates/\(self.name)"))
                }
            }

            struct Delete: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a CA certificate.")
                @Option(name: .customLong("dps-name")) var dpsName: String?
                @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
                @Option(name: [.customShort("n"), .customLong("certificate-name"), .customLong("name")]) var name: String
                @Option(name: [.customShort("e"), .long]) var etag: String

                func run() async throws {
                    let dps = try await AzEmulator.dpsName(self.dpsName)
                    _ = try await AzEmulator.call(.DELETE, "/admin/dps/\(dps)/certificates/\(self.name)", ifMatch: self.etag)
                }
            }
        }
    }
}
