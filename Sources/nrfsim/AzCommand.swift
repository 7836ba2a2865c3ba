import ArgumentParser
import Foundation
import HubClient
import JSON

/// `nrfsim az`: the seed's and the common `az iot` commands, with az's argument names and JSON output, against the
/// local emulator (found through NRFSIM_HUB_DIR, default state/hub, at NRFSIM_HUB_HOST:NRFSIM_HUB_PORT).
struct AzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "az",
        abstract: "Run the guide's `az` commands against the local IoT Hub emulator.",
        subcommands: [Group.self, IoT.self, Storage.self]
    )

    struct Group: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "group", abstract: "Resource groups (accepted locally).", subcommands: [Create.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a resource group (accepted; the emulator has one).")
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("l"), .long]) var location = "local"
            @OptionGroup var output: AzOutput

            func run() async throws {
                try self.output.print(.object(JSONObject([
                    ("id", .string("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/\(self.name)")),
                    ("location", .string(self.location)), ("managedBy", .null), ("name", .string(self.name)),
                    ("properties", .object(JSONObject([("provisioningState", .string("Succeeded"))]))), ("tags", .null),
                    ("type", .string("Microsoft.Resources/resourceGroups")),
                ])))
            }
        }
    }

    struct IoT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "iot", abstract: "IoT Hub and DPS commands.", subcommands: [Hub.self, Device.self, DPS.self])
    }
}

/// `--query` and `--output`, as in az.
struct AzOutput: ParsableArguments {
    @Option(help: "A JMESPath query (dotted paths, [n] and [].field).") var query: String?
    @Option(name: [.customShort("o"), .long], help: "json (default), jsonc, tsv or none.") var output = "json"

    /// A `--query` outside the subset is refused before any request is sent, as az compiles it while parsing its
    /// arguments (knack's `CLIQuery.jmespath_type`).
    func validate() throws { _ = try self.parsedQuery() }

    /// The `--query` expression, parsed; a refusal is az's `ERROR:` line and exit status 1.
    func parsedQuery() throws -> JMESPathQuery? {
        guard let query = self.query else { return nil }
        do {
            return try JMESPathQuery(query)
        } catch {
            throw CommandFailure("ERROR: --query: \(error)")
        }
    }

    func print(_ value: JSONValue) throws {
        let result = try self.parsedQuery()?.evaluate(value) ?? value
        switch self.output {
        case "none": return
        case "tsv":
            switch result {
            case .string(let text): Console.print(text)
            case .array(let items): for item in items { Console.print(item.stringValue ?? item.text) }
            default: Console.print(result.text)
            }
        default:
            Console.print(result.prettyText)
        }
    }
}

/// The emulator connection every command uses.
enum AzEmulator {
    static func client() throws -> HubClient {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try HubClient.forDataDirectory(
                environment["NRFSIM_HUB_DIR"] ?? "state/hub", host: environment["NRFSIM_HUB_HOST"] ?? "127.0.0.1",
                port: Int(environment["NRFSIM_HUB_PORT"] ?? "") ?? 8443)
        } catch {
            throw CommandFailure("ERROR: \(error)")
        }
    }

    /// Sends a request and returns its JSON; an error response becomes az's `ERROR:` line and exit status 1.
    static func call(_ method: HubClient.Method, _ path: String, hub: String? = nil, ifMatch: String? = nil, body: JSONValue? = nil) async throws -> JSONValue {
        let client = try self.client()
        var headers: [(String, String)] = []
        if let hub { headers.append(("x-nrfsim-hub", hub)) }
        if let ifMatch { headers.append(("If-Match", ifMatch)) }
        let response: HubClient.Response
        do {
            response = try await client.request(method, path, headers: headers, body: body)
        } catch {
            throw CommandFailure("ERROR: \(error)")
        }
        guard (200..<300).contains(response.status) else {
            let message = response.json?["Message"]?.stringValue ?? String(decoding: response.body, as: UTF8.self)
            throw CommandFailure("ERROR: (\(response.status)) \(message)")
        }
        return response.body.isEmpty ? .null : (response.json ?? .null)
    }

    /// The hub a command names, or the only one there is.
    static func hubName(_ name: String?) async throws -> String {
        try await self.onlyName(name, listing: "/admin/hubs", what: "hubs", option: "-n/--hub-name")
    }

    /// The DPS instance a command names, or the only one there is.
    static func dpsName(_ name: String?) async throws -> String {
        try await self.onlyName(name, listing: "/admin/dps", what: "DPS instances", option: "--dps-name")
    }

    private static func onlyName(_ name: String?, listing: String, what: String, option: String) async throws -> String {
        if let name { return name }
        guard case .array(let items) = try await self.call(.GET, listing) else { throw CommandFailure("ERROR: no \(what)") }
        guard items.count == 1, let only = items[0]["name"]?.stringValue else {
            throw CommandFailure("ERROR: there are \(items.count) \(what); choose one with \(option)")
        }
        return only
    }

    static func hub(_ name: String?) async throws -> JSONValue {
        try await self.call(.GET, "/admin/hubs/\(try await self.hubName(name))")
    }

    static func apiPath(_ path: String) -> String { path + (path.contains("?") ? "&" : "?") + "api-version=2021-04-12" }
}
