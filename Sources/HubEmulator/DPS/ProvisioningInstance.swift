import JSON

/// A DPS instance (`az iot dps create`): its name, ID scope and the hubs linked to it.
public struct ProvisioningInstance: Equatable, Sendable {
    public var name: String
    /// `0ne` and eight upper-case hex digits, as Azure forms it.
    public var idScope: String
    /// `<name>.azure-devices-provisioning.net` (the service operations host; devices dial the global host).
    public var hostname: String
    public var linkedHubs: [LinkedHub]
    public var created: String

    /// A hub linked to the instance (`az iot dps linked-hub create`).
    public struct LinkedHub: Equatable, Sendable {
        public var hubName: String
        public var hostname: String
        public var allocationWeight: Int?
        public var applyAllocationPolicy: Bool
    }

    var json: JSONValue {
        .object(JSONObject([
            ("name", .string(self.name)), ("idScope", .string(self.idScope)), ("hostname", .string(self.hostname)),
            ("created", .string(self.created)),
            ("linkedHubs", .array(self.linkedHubs.map { hub in
                .object(JSONObject([
                    ("hubName", .string(hub.hubName)), ("hostname", .string(hub.hostname)),
                    ("allocationWeight", hub.allocationWeight.map { .integer(Int64($0)) } ?? .null),
                    ("applyAllocationPolicy", .bool(hub.applyAllocationPolicy)),
                ]))
            })),
        ]))
    }

    init(name: String, idScope: String, hostname: String, linkedHubs: [LinkedHub] = [], created: String) {
        self.name = name
        self.idScope = idScope
        self.hostname = hostname
        self.linkedHubs = linkedHubs
        self.created = created
    }

    init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let idScope = json["idScope"]?.stringValue,
            let hostname = json["hostname"]?.stringValue
        else { return nil }
        self.name = name
        self.idScope = idScope
        self.hostname = hostname
        self.created = json["created"]?.stringValue ?? ""
        guard case .array(let hubs)? = json["linkedHubs"] else {
            self.linkedHubs = []
            return
        }
        self.linkedHubs = hubs.compactMap { hub in
            guard let name = hub["hubName"]?.stringValue, let hostname = hub["hostname"]?.stringValue else { return nil }
            return LinkedHub(
                hubName: name, hostname: hostname, allocationWeight: hub["allocationWeight"]?.intValue,
                applyAllocationPolicy: hub["applyAllocationPolicy"]?.boolValue ?? true)
        }
    }
}
