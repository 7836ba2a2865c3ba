import ArgumentParser
import Foundation
import HubClient
import JSON

/// What `az iot dps enrollment create` and `enrollment-group create` share: status, hubs, allocation, initial twin,
/// reprovisioning and the attestation material.
struct EnrollmentSettings: ParsableArguments {
    @Option(name: [.customLong("certificate-path"), .customLong("cp")], help: "The primary certificate (PEM).") var certificatePath: String?
    @Option(name: [.customLong("secondary-certificate-path"), .customLong("scp")]) var secondaryCertificatePath: String?
    @Option(name: [.customLong("primary-key"), .customLong("pk")], help: "Symmetric key (base64; generated when absent).") var primaryKey: String?
    @Option(name: [.customLong("secondary-key"), .customLong("sk")]) var secondaryKey: String?
    @Option(name: [.customLong("provisioning-status"), .customLong("ps")], help: "enabled or disabled.") var provisioningStatus = "enabled"
    @Option(name: [.customLong("iot-hubs"), .customLong("ih")], parsing: .upToNextOption, help: "Host names of the hubs to assign to.") var iotHubs: [String] = []
    @Option(name: [.customLong("allocation-policy"), .customLong("ap")], help: "hashed, static or geolatency.") var allocationPolicy: String?
    @Option(name: [.customLong("initial-twin-tags"), .customLong("itt")], help: "Initial twin tags (JSON).") var initialTwinTags: String?
    @Option(name: [.customLong("initial-twin-properties"), .customLong("itp")], help: "Initial desired properties (JSON).") var initialTwinProperties: String?
    @Option(name: [.customLong("reprovision-policy"), .customLong("rp")], help: "reprovisionandmigratedata, reprovisionandresetdata or never.") var reprovisionPolicy = "reprovisionandmigratedata"
    @Flag(name: [.customLong("edge-enabled"), .customLong("ee")]) var edgeEnabled = false

    /// The service document's common members around `attestation`.
    func document(attestation: JSONObject) throws -> JSONObject {
        var document = JSONObject([("attestation", .object(attestation))])
        document["provisioningStatus"] = .string(self.provisioningStatus)
        let hubs = self.iotHubs.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        if !hubs.isEmpty { document["iotHubs"] = .array(hubs.map(JSONValue.string)) }
        if let policy = self.allocationPolicy {
            let known = ["hashed": "hashed", "static": "static", "geolatency": "geoLatency", "custom": "custom"]
            guard let name = known[policy.lowercased()] else { throw CommandFailure("ERROR: --allocation-policy '\(policy)' is not hashed, static, geolatency or custom") }
            document["allocationPolicy"] = .string(name)
        }
        if self.initialTwinTags != nil || self.initialTwinProperties != nil {
            document["initialTwin"] = .object(JSONObject([
                ("tags", try Self.json(self.initialTwinTags, "--initial-twin-tags")),
                ("properties", .object(JSONObject([("desired", try Self.json(self.initialTwinProperties, "--initial-twin-properties"))]))),
            ]))
        }
        let policies = ["reprovisionandmigratedata": (true, true), "reprovisionandresetdata": (true, false), "never": (false, false)]
        guard let (update, migrate) = policies[self.reprovisionPolicy.lowercased()] else {
            throw CommandFailure("ERROR: --reprovision-policy '\(self.reprovisionPolicy)' is not reprovisionandmigratedata, reprovisionandresetdata or never")
        }
        document["reprovisionPolicy"] = .object(JSONObject([("updateHubAssignment", .bool(update)), ("migrateDeviceData", .bool(migrate))]))
        document["capabilities"] = .object(JSONObject([("iotEdge", .bool(self.edgeEnabled))]))
        return document
    }

    /// `{"primary": {"certificate": PEM}, "secondary": …}` from the certificate paths.
    func certificates() throws -> JSONValue {
        var slots = JSONObject()
        if let path = self.certificatePath { slots["primary"] = .object(JSONObject([("certificate", .string(try readFile(path)))])) }
        if let path = self.secondaryCertificatePath { slots["secondary"] = .object(JSONObject([("certificate", .string(try readFile(path)))])) }
        return .object(slots)
    }

    var symmetricKey: JSONObject {
        JSONObject([("type", .string("symmetricKey")), ("symmetricKey", .object(JSONObject([
            ("primaryKey", .string(self.primaryKey ?? "")), ("secondaryKey", .string(self.secondaryKey ?? "")),
        ])))])
    }

    private static func json(_ text: String?, _ option: String) throws -> JSONValue {
        guard let text else { return .object(JSONObject()) }
        do {
            return try JSONValue.parse(text)
        } catch {
            throw CommandFailure("ERROR: \(option) is not JSON: \(error)")
        }
    }
}

/// Hides symmetric keys unless `--show-keys`, as az does.
func withoutKeys(_ value: JSONValue, show: Bool) -> JSONValue {
    guard !show, case .object(var document) = value, case .object(var attestation)? = document["attestation"],
        attestation["symmetricKey"]?.objectValue != nil
    else { return value }
    attestation["symmetricKey"] = .object(JSONObject([("primaryKey", .null), ("secondaryKey", .null)]))
    document["attestation"] = .object(attestation)
    return .object(document)
}

extension AzCommand.IoT.DPS {
    struct EnrollmentGroup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrollment-group", abstract: "Enrollment groups.",
            subcommands: [Create.self, Show.self, List.self, Delete.self, Registration.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an enrollment group (X.509 or symmetric key).")
            @OptionGroup var target: Target
            @Option(name: [.customLong("enrollment-id"), .customLong("eid"), .customLong("group-id"), .customLong("gid")]) var enrollmentID: String
            @Option(name: [.customLong("root-ca-name"), .customLong("ca-name"), .customLong("cn")], help: "A verified DPS certificate to attest with.") var caName: String?
            @Option(name: [.customLong("secondary-root-ca-name"), .customLong("scn")]) var secondaryCAName: String?
            @OptionGroup var settings: EnrollmentSettings
            @OptionGroup var output: AzOutput

            func run() async throws {
                var attestation = self.settings.symmetricKey
                if self.settings.certificatePath != nil || self.caName != nil {
                    var references = JSONObject()
                    if let name = self.caName { references["primary"] = .string(name) }
                    if let name = self.secondaryCAName { references["secondary"] = .string(name) }
                    attestation = JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([
                        ("signingCertificates", try self.settings.certificates()), ("caReferences", .object(references)),
                    ])))])
                }
                let body = try self.settings.document(attestation: attestation)
                try self.output.print(try await AzEmulator.call(.PUT, try await self.target.path("/enrollmentGroups/\(self.enrollmentID)"), body: .object(body)))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an enrollment group.")
            @OptionGroup var target: Target
            @Option(name: [.customLong("enrollment-id"), .customLong("eid"), .customLong("group-id"), .customLong("gid")]) var enrollmentID: String
            @Flag(name: [.customLong("show-keys"), .customLong("keys")]) var showKeys = false
            @OptionGroup var output: AzOutput

            func run() async throws {
                let group = try await AzEmulator.call(.GET, try await self.target.path("/enrollmentGroups/\(self.enrollmentID)"))
                try self.output.print(withoutKeys(group, show: self.showKeys))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List enrollment groups.")
            @OptionGroup var target: Target
            @OptionGroup var output: AzOutput

            func run() async throws {
                let groups = try await AzEmulator.call(.GET, try await self.target.path("/enrollmentGroups"))
                try self.output.print(.array((groups.arrayValue ?? []).map { withoutKeys($0, show: false) }))
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an enrollment group.")
            @OptionGroup var target: Target
            @Option(name: [.customLong("enrollment-id"), .customLong("eid"), .customLong("group-id"), .customLong("gid")]) var enrollmentID: String

            func run() async throws { _ = try await AzEmulator.call(.DELETE, try await self.target.path("/enrollmentGroups/\(self.enrollmentID)")) }
        }

        struct Registration: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "registration", abstract: "Registrations made through a group.", subcommands: [List.self, Show.self, Delete.self])

            struct List: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "list", abstract: "List a group's registrations.")
                @OptionGroup var target: Target
                @Option(name: [.customLong("group-id"), .customLong("gid"), .customLong("enrollment-id"), .customLong("eid")]) var groupID: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let query = self.groupID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.groupID
                    try self.output.print(try await AzEmulator.call(.GET, try await self.target.path("/registrations?groupId=\(query)")))
                }
            }

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a registration.")
                @OptionGroup var target: Target
                @Option(name: [.customLong("registration-id"), .customLong("rid")]) var registrationID: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    try self.output.print(try await AzEmulator.call(.GET, try await self.target.path("/registrations/\(self.registrationID)")))
                }
            }

            struct Delete: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a registration.")
                @OptionGroup var target: Target
                @Option(name: [.customLong("registration-id"), .customLong("rid")]) var registrationID: String

                func run() async throws { _ = try await AzEmulator.call(.DELETE, try await self.target.path("/registrations/\(self.registrationID)")) }
            }
        }
    }

    struct Enrollment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrollment", abstract: "Individual enrollments.",
            subcommands: [Create.self, Show.self, List.self, Delete.self, Registration.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an individual enrollment (x509 or symmetrickey).")
            @OptionGroup var target: Target
            @Option(name: [.customLong("enrollment-id"), .customLong("eid")], help: "The registration id.") var enrollmentID: String
            @Option(name: [.customLong("attestation-type"), .customLong("at")], help: "x509 or symmetrickey.") var attestationType: String
            @Option(name: [.customLong("device-id"), .customLong("did")], help: "The device id in the hub (default: the registration id).") var deviceID: String?
            @OptionGroup var settings: EnrollmentSettings
            @OptionGroup var output: AzOutput

            func run() async throws {
                let attestation: JSONObject
                switch self.attestationType.lowercased() {
                case "x509":
                    guard self.settings.certificatePath != nil || self.settings.secondaryCertificatePath != nil else {
                        throw CommandFailure("ERROR: --attestation-type x509 needs --certificate-path")
                    }
                    attestation = JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([("clientCertificates", try self.settings.certificates())])))])
                case "symmetrickey":
                    attestation = self.settings.symmetricKey
                case "tpm":
                    throw CommandFailure("ERROR: TPM attestation is not supported over MQTT (use x509 or symmetrickey)")
                default:
                    throw CommandFailure("ERROR: --attestation-type '\(self.attestationType)' is not x509, symmetrickey or tpm")
                }
                var body = try self.settings.document(attestation: attestation)
                if let deviceID = self.deviceID { body["deviceId"] = .string(deviceID) }
                try self.output.print(try await AzEmulator.call(.PUT, try await self.target.path("/enrollments/\(self.enrollmentID)"), body: .object(body)))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an individual enrollment.")
            @OptionGroup var target: Target
            @Option(name: [.customLong("enrollment-id"), .customLong("eid")]) var enrollmentID: String
            @Flag(name: [.customLong("show-keys"), .customLong("keys")]) var showKeys = false
            @OptionGroup var output: AzOutput

            func run() async throws {
                let enrollment = try await AzEmulator.call(.GET, try await self.target.path("/enrollments/\(self.enrollmentID)"))
                try self.output.print(withoutKeys(enrollment, show: self.showKeys))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List individual enrollments.")
            @OptionGroup var target: Target
            @OptionGroup var output: AzOutput

            func run() async throws {
                let enrollments = try await AzEmulator.call(.GET, try await self.target.path("/enrollments"))
                try self.output.print(.array((enrollments.arrayValue ?? []).map { withoutKeys($0, show: false) }))
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an individual enrollment.")
            @OptionGroup var target: Target
            @Option(name: [.customLong("enrollment-id"), .customLong("eid")]) var enrollmentID: String

            func run() async throws { _ = try await AzEmulator.call(.DELETE, try await self.target.path("/enrollments/\(self.enrollmentID)")) }
        }

        struct Registration: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "registration", abstract: "An individual enrollment's registration.", subcommands: [Show.self])

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a registration.")
                @OptionGroup var target: Target
                @Option(name: [.customLong("registration-id"), .customLong("rid"), .customLong("enrollment-id"), .customLong("eid")]) var registrationID: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    try self.output.print(try await AzEmulator.call(.GET, try await self.target.path("/registrations/\(self.registrationID)")))
                }
            }
        }
    }
}
