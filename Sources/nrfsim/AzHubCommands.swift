import ArgumentParser
import Foundation
import HubClient
import JSON

extension AzCommand.IoT {
    struct Hub: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hub", abstract: "Manage IoT hubs.",
            subcommands: [
                Create.self, Show.self, ConnectionString.self, Certificate.self, DeviceIdentity.self, DeviceTwin.self,
                InvokeDeviceMethod.self, MonitorEvents.self, Emulator.self,
            ])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an IoT hub.")
            @Option(name: [.customShort("n"), .long]) var name: String
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @Option var sku = "S1"
            @Option(name: .customLong("partition-count")) var partitionCount: Int?
            @Option(name: [.customShort("l"), .long]) var location: String?
            @OptionGroup var output: AzOutput

            func run() async throws { try self.output.print(try await AzEmulator.call(.PUT, "/admin/hubs/\(self.name)")) }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an IoT hub.")
            @Option(name: [.customShort("n"), .long]) var name: String?
            @Option(name: [.customShort("g"), .customLong("resource-group")]) var resourceGroup: String?
            @OptionGroup var output: AzOutput

            func run() async throws { try self.output.print(try await AzEmulator.hub(self.name)) }
        }

        struct ConnectionString: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "connection-string", abstract: "Connection strings.", subcommands: [Show.self])

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the hub's (or a device's) connection string.")
                @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
                @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String?
                @Option(name: .customLong("policy-name")) var policyName = "iothubowner"
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let hub = try await AzEmulator.hub(self.hubName)
                    let hostname = hub["properties"]?["hostName"]?.stringValue ?? ""
                    if let deviceID = self.deviceID {
                        return try self.output.print(try await deviceConnectionString(hub: hub, hostname: hostname, deviceID: deviceID))
                    }
                    let hubName = hub["name"]?.stringValue ?? ""
                    let keys = try await AzEmulator.call(.POST, "/admin/hubs/\(hubName)/listkeys")
                    guard case .array(let policies)? = keys["value"],
                        let policy = policies.first(where: { $0["keyName"]?.stringValue == self.policyName }),
                        let key = policy["primaryKey"]?.stringValue
                    else { throw CommandFailure("ERROR: no shared access policy '\(self.policyName)'") }
                    try self.output.print(.object(JSONObject([
                        ("connectionString", .string("HostName=\(hostname);SharedAccessKeyName=\(self.policyName);SharedAccessKey=\(key)")),
                    ])))
                }
            }
        }

        struct DeviceTwin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "device-twin", abstract: "Device twins.", subcommands: [Show.self, Update.self])

            struct Show: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a device twin.")
                @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
                @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let hub = try await AzEmulator.hubName(self.hubName)
                    try self.output.print(try await AzEmulator.call(.GET, AzEmulator.apiPath("/twins/\(self.deviceID)"), hub: hub))
                }
            }

            struct Update: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "update", abstract: "Patch a device twin's desired properties and tags.")
                @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
                @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
                @Option(help: "Desired properties as JSON.") var desired: String?
                @Option(help: "Tags as JSON.") var tags: String?
                @Option var etag: String?
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let hub = try await AzEmulator.hubName(self.hubName)
                    var patch = JSONObject()
                    if let desired = self.desired { patch["properties"] = .object(JSONObject([("desired", try parseJSON(desired, "--desired"))])) }
                    if let tags = self.tags { patch["tags"] = try parseJSON(tags, "--tags") }
                    try self.output.print(try await AzEmulator.call(.PATCH, AzEmulator.apiPath("/twins/\(self.deviceID)"), hub: hub, ifMatch: self.etag ?? "*", body: .object(patch)))
                }
            }
        }

        struct InvokeDeviceMethod: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "invoke-device-method", abstract: "Invoke a direct method on a device.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
            @Option(name: [.customLong("method-name"), .customLong("mn")]) var methodName: String
            @Option(name: [.customLong("method-payload"), .customLong("mp")]) var methodPayload = "{}"
            @Option(name: [.customLong("timeout"), .customLong("to")]) var timeout = 30
            @OptionGroup var output: AzOutput

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let payload = (try? JSONValue.parse(self.methodPayload)) ?? .string(self.methodPayload)
                let body = JSONValue.object(JSONObject([
                    ("methodName", .string(self.methodName)), ("payload", payload), ("responseTimeoutInSeconds", .integer(Int64(self.timeout))),
                ]))
                try self.output.print(try await AzEmulator.call(.POST, AzEmulator.apiPath("/twins/\(self.deviceID)/methods"), hub: hub, body: body))
            }
        }

        struct MonitorEvents: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "monitor-events", abstract: "Print device-to-cloud messages as they arrive.")
            @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
            @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String?
            @Option(name: [.customLong("timeout"), .customLong("to")], help: "Seconds to listen (0: until interrupted).") var timeout = 300
            @Option(name: [.customLong("properties"), .customLong("props")], parsing: .upToNextOption, help: "sys, app, anno or all.") var properties: [String] = []
            @Flag(name: [.customShort("y"), .customLong("yes")]) var yes = false
            @Option(name: [.customShort("o"), .long]) var output = "json"

            func run() async throws {
                let hub = try await AzEmulator.hubName(self.hubName)
                let started = Date()
                var after: Int?
                Console.print("Starting event monitor, use ctrl-c to stop...")
                while self.timeout == 0 || Date().timeIntervalSince(started) < Double(self.timeout) {
                    let since = after.map { "&after=\($0)" } ?? ""
                    let result = try await AzEmulator.call(.GET, "/admin/hubs/\(hub)/events?timeoutMs=1000\(since)")
                    after = result["last"]?.intValue ?? after
                    guard case .array(let events)? = result["events"] else { continue }
                    for event in events where self.deviceID == nil || event["origin"]?.stringValue == self.deviceID {
                        Console.print(self.render(event).prettyText)
                    }
                }
            }

            func render(_ event: JSONValue) -> JSONValue {
                var inner = JSONObject([
                    ("origin", event["origin"] ?? .null), ("module", .string("")), ("interface", .string("")), ("component", .string("")),
                    ("payload", event["payload"] ?? .null),
                ])
                let wanted = Set(self.properties.flatMap { $0.split(separator: " ").map(String.init) })
                let all = wanted.contains("all")
                if all || wanted.contains("anno") { inner["annotations"] = event["annotations"] ?? .null }
                var props = JSONObject()
                if all || wanted.contains("sys") {
                    let system = event["annotations"]?.objectValue?.members.filter { $0.key.hasPrefix("$.") } ?? []
                    props["system"] = .object(JSONObject(system.map { (systemName($0.key), $0.value) }))
                }
                if all || wanted.contains("app") { props["application"] = event["properties"] ?? .object(JSONObject()) }
                if !props.isEmpty { inner["properties"] = .object(props) }
                return .object(JSONObject([("event", .object(inner))]))
            }
        }
    }

    struct Device: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "device", abstract: "Device-side operations.", subcommands: [C2DMessage.self])

        struct C2DMessage: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "c2d-message", abstract: "Cloud-to-device messages.", subcommands: [Send.self])

            struct Send: AsyncParsableCommand {
                static let configuration = CommandConfiguration(commandName: "send", abstract: "Send a cloud-to-device message.")
                @Option(name: [.customShort("n"), .customLong("hub-name")]) var hubName: String?
                @Option(name: [.customShort("d"), .customLong("device-id")]) var deviceID: String
                @Option(name: [.customLong("data"), .customLong("da")]) var data = "Ping from Az CLI IoT Extension"
                @Option(name: [.customShort("p"), .customLong("props")], help: "Properties as 'key=value;key2=value2'.") var props: String?
                @Option(name: [.customLong("content-type"), .customLong("ct")]) var contentType: String?
                @Option(name: [.customLong("content-encoding"), .customLong("ce")]) var contentEncoding: String?
                @Option(name: [.customLong("message-id"), .customLong("mid")]) var messageID: String?
                @Option(name: [.customLong("correlation-id"), .customLong("cid")]) var correlationID: String?
                @Option(name: [.customLong("expiry"), .customLong("expiry-time-utc")], help: "Seconds to live.") var expiry: Int?
                @OptionGroup var output: AzOutput

                func run() async throws {
                    let hub = try await AzEmulator.hubName(self.hubName)
                    var properties = JSONObject()
                    if let mid = self.messageID { properties["$.mid"] = .string(mid) }
                    if let cid = self.correlationID { properties["$.cid"] = .string(cid) }
                    if let ct = self.contentType { properties["$.ct"] = .string(ct) }
                    if let ce = self.contentEncoding { properties["$.ce"] = .string(ce) }
                    for pair in (self.props ?? "").split(separator: ";") {
                        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                        properties[String(parts[0])] = parts.count == 2 ? .string(String(parts[1])) : .null
                    }
                    var body = JSONObject([("data", .string(self.data)), ("properties", .object(properties))])
                    if let expiry = self.expiry { body["ttlSeconds"] = .integer(Int64(expiry)) }
                    _ = try await AzEmulator.call(.POST, "/admin/hubs/\(hub)/devices/\(self.deviceID)/messages", body: .object(body))
                }
            }
        }
    }
}

func parseJSON(_ text: String, _ option: String) throws -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        throw CommandFailure("ERROR: \(option) is not JSON: \(error)")
    }
}

/// az's names for system properties.
func systemName(_ key: String) -> String {
    switch key {
    case "$.mid": return "message_id"
    case "$.cid": return "correlation_id"
    case "$.ct": return "content_type"
    case "$.ce": return "content_encoding"
    case "$.uid": return "user_id"
    case "$.exp": return "absolute_expiry_time"
    case "$.ctime": return "iothub-creation-time-utc"
    default: return key
    }
}

func deviceConnectionString(hub: JSONValue, hostname: String, deviceID: String) async throws -> JSONValue {
    let device = try await AzEmulator.call(.GET, AzEmulator.apiPath("/devices/\(deviceID)"), hub: hub["name"]?.stringValue)
    let string: String
    if let key = device["authentication"]?["symmetricKey"]?["primaryKey"]?.stringValue {
        string = "HostName=\(hostname);DeviceId=\(deviceID);SharedAccessKey=\(key)"
    } else {
        string = "HostName=\(hostname);DeviceId=\(deviceID);x509=true"
    }
    return .object(JSONObject([("connectionString", .string(string))]))
}
