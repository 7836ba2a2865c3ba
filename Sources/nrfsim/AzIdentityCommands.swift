import ArgumentParser
import Foundation
import HubClient
import JSON

extension AzCommand.IoT.Hub {
    struct Certificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certificate", abstract: "CA certificates and proof of possession.",
            subcommands: [Create.self, GenerateVerificationCode.self, Verify.self, List.self, Show.self, Delete.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Upload a CA certificate.")
            @Option(name: .customLong("hub-name")) var hubName: String?
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("p"), .long]) var path: String
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @Option(help: "Mark the certificate verified without proof of possession (true/false).") var verified = false
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let pem = try readFile(self.path)
                let body = JSONValue.object(JSONObject([("certificate", .string(pem)), ("isVerified", .bool(self.verified))]))
                try self.output.print(try await AzEmulator.call(.PUT, "/admin/hubs/\(hub)/certificates/\(self.name)", body: body))
            }
        }

        struct GenerateVerificationCode: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "generate-verification-code", abstract: "Make a verification code for proof of possession.")
            @Option(name: .customLong("hub-name")) var hubName: String?
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("e"), .long]) var etag: String
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                try self.output.print(try await AzEmulator.call(.POST, "/admin/hubs/\(hub)/certificates/\(self.name)/generateVerificationCode", ifMatch: self.etag))
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify a CA certificate with a certificate signed for the code.")
            @Option(name: .customLong("hub-name")) var hubName: String?
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("p"), .long]) var path: String
            @Option(name: [.customShort("e"), .long]) var etag: String
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let body = JSONValue.object(JSONObject([("certificate", .string(try readFile(self.path)))]))
                try self.output.print(try await AzEmulator.call(.POST, "/admin/hubs/\(hub)/certificates/\(self.name)/verify", ifMatch: self.etag, body: body))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List CA certificates.")
            @Option(name: .customLong("hub-name")) var hubName: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                try self.output.print(try await AzEmulator.call(.GET, "/admin/hubs/\(hub)/certificates"))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a CA certificate.")
            @Option(name: .customLong("hub-name")) var hubName: String?
            @Option(name: [.customShort("n"), .long]) var name: String
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                try self.output.print(try await AzEmulator.call(.GET, "/admin/hubs/\(hub)/certificates/\(self.name)"))
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a CA certificate.")
            @Option(name: .customLong("hub-name")) var hubName: String?
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("e"), .long]) var etag: String

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                _ = try await AzEmulator.call(.DELETE, "/admin/hubs/\(hub)/certificates/\(self.name)", ifMatch: self.etag)
            }
        }
    }

    struct DeviceIdentity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "device-identity", abstract: "Device identities.",
            subcommands: [Create.self, Show.self, List.self, Delete.self, ConnectionString.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Register a device.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
            @Option(name: [.customLong("am"), .customLong("auth-method")], help: "shared_private_key, x509_thumbprint or x509_ca.") var authMethod = "shared_private_key"
            @Option(name: [.customLong("ptp"), .customLong("primary-thumbprint")]) var primaryThumbprint: String?
            @Option(name: [.customLong("stp"), .customLong("secondary-thumbprint")]) var secondaryThumbprint: String?
            @Option(name: [.customLong("pk"), .customLong("primary-key")]) var primaryKey: String?
            @Option(name: [.customLong("sk"), .customLong("secondary-key")]) var secondaryKey: String?
            @Option(name: [.customLong("sta"), .customLong("status")]) var status = "enabled"
            @OptionGroup var output: AzOutput

            func validate() throws {
                guard ["shared_private_key", "x509_thumbprint", "x509_ca"].contains(self.authMethod) else {
                    throw ValidationError("--am: '\(self.authMethod)' is not one of shared_private_key, x509_thumbprint, x509_ca")
                }
                if self.authMethod == "x509_thumbprint" && self.primaryThumbprint == nil {
                    throw ValidationError("--am x509_thumbprint needs --ptp")
                }
            }

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let authentication: JSONObject
                switch self.authMethod {
                case "x509_ca":
                    authentication = JSONObject([("type", .string("certificateAuthority"))])
                case "x509_thumbprint":
                    authentication = JSONObject([
                        ("type", .string("selfSigned")),
                        ("x509Thumbprint", .object(JSONObject([
                            ("primaryThumbprint", .string(self.primaryThumbprint!)),
                            ("secondaryThumbprint", self.secondaryThumbprint.map(JSONValue.string) ?? .null),
                        ]))),
                    ])
                default:
                    authentication = JSONObject([
                        ("type", .string("sas")),
                        ("symmetricKey", .object(JSONObject([
                            ("primaryKey", self.primaryKey.map(JSONValue.string) ?? .null), ("secondaryKey", self.secondaryKey.map(JSONValue.string) ?? .null),
                        ]))),
                    ])
                }
                let body = JSONValue.object(JSONObject([
                    ("deviceId", .string(self.deviceID)), ("status", .string(self.status)), ("authentication", .object(authentication)),
                    ("capabilities", .object(JSONObject([("iotEdge", .bool(false))]))),
                ]))
                try self.output.print(try await AzEmulator.call(.PUT, AzEmulator.apiPath("/devices/\(self.deviceID)"), hub: hub, body: body))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a device.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                try self.output.print(try await AzEmulator.call(.GET, AzEmulator.apiPath("/devices/\(self.deviceID)"), hub: hub))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices (their twins).")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let body = JSONValue.object(JSONObject([("query", .string("SELECT * FROM devices"))]))
                try self.output.print(try await AzEmulator.call(.POST, AzEmulator.apiPath("/devices/query"), hub: hub, body: body))
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a device.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                _ = try await AzEmulator.call(.DELETE, AzEmulator.apiPath("/devices/\(self.deviceID)"), hub: hub, ifMatch: "*")
            }
        }

        struct ConnectionString: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "connection-string", abstract: "Device connection strings.", subcommands: [Show.self])

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a device's connection string.")
                @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
                @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let hub = try await AzEmulator.hub(self.hubName)
                    try self.output.print(try await deviceConnectionString(hub: hub, hostname: hub["properties"]?["hostName"]?.stringValue ?? "", deviceID: self.deviceID))
                }
            }
        }
    }
}

func readFile(_ path: String) throws -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw CommandFailure("ERROR: cannot read \(path)")
    }
}
