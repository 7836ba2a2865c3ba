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

    init(name: String, idScope: String, hostname: String, linkedHubs: [LinkedHub] = [], created: String) {
        self.name = name
        self.idScope = idScope
        self.hostname = hostname
        self.linkedHubs = linkedHubs
        self.created = created
    }
}
