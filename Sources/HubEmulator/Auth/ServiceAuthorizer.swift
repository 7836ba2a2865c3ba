import Foundation

/// Checks a service call's `Authorization`: a policy SAS token, signed by one of the policy's keys, not expired,
/// whose policy holds a right the operation needs, and whose resource (`sr`) covers the request ("Control access to
/// IoT Hub with shared access signatures": `sr` is the "URI prefix (by segment) of the endpoints that can be
/// accessed with this token, starting with host name of the IoT hub").
///
/// The resource starts with the hub's hostname (`myhub.azure-devices.net`), or with the address the client dialed
/// (the request's `Host`, e.g. `localhost:8443`), which stands for the emulator's hubs: the hub is then the one whose
/// policy key signed the token.
public struct ServiceAuthorizer: Sendable {
    public let hubs: @Sendable () -> [HubRecord]
    public let now: @Sendable () -> Date

    public init(hubs: @escaping @Sendable () -> [HubRecord], now: @escaping @Sendable () -> Date = Date.init) {
        self.hubs = hubs
        self.now = now
    }

    /// The hub the call is for. - Throws: 401 IotHubUnauthorizedAccess, with the reason (never the signature).
    public func authorize(_ operation: ServiceOperation, path: String, authorization: String?, host: String?) throws(IoTHubError) -> String {
        guard let authorization else { throw .unauthorized("no Authorization header") }
        let token: SASToken
        do {
            token = try SASToken.parse(authorization)
        } catch {
            throw .unauthorized("\(error)")
        }
        guard token.expiry > Int64(self.now().timeIntervalSince1970) else { throw .tokenExpired("the SAS token expired") }
        guard let policy = token.policy else { throw .unauthorized("a service token needs skn, the policy name") }
        let resourceHost = token.resource.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let all = self.hubs()
        let candidates: [HubRecord]
        if let hub = all.first(where: { $0.hostname.lowercased() == resourceHost.lowercased() }) {
            candidates = [hub]
        } else if let host, host.lowercased() == resourceHost.lowercased() {
            candidates = all
        } else {
            throw .unauthorized("the SAS token's resource '\(token.resource)' names no hub of this emulator")
        }
        guard let hub = candidates.first(where: { hub in
            hub.policies[policy].map { token.isSigned(byKey: $0.primary) || token.isSigned(byKey: $0.secondary) } ?? false
        }) else {
            throw .unauthorized("the SAS token is not signed by policy '\(policy)' of \(candidates.count == 1 ? "hub '\(candidates[0].name)'" : "any hub")")
        }
        let rights = AccessRights.ofDefaultPolicy(policy)
        guard !rights.isDisjoint(with: operation.requiredRights) else {
            throw .unauthorized("policy '\(policy)' (\(rights.isEmpty ? "no rights" : rights.description)) may not call \(path): it needs \(operation.requiredRights.alternatives)")
        }
        guard token.grants(resourceHost + path) else {
            throw .unauthorized("the SAS token's resource '\(token.resource)' does not cover \(path)")
        }
        return hub.name
    }
}
