import Foundation
import IoTHubTopics
import Logging
import MQTTCodec
import X509

/// A device's CONNECT: who it says it is, and what it proves.
public struct ConnectAttempt: Sendable {
    public var clientID: String
    public var username: String?
    public var password: [UInt8]?
    /// The TLS client chain, leaf first.
    public var chain: [Certificate]
    public var peer: String
}

/// An accepted device: its hub and id.
public struct DeviceSessionIdentity: Sendable, Equatable {
    public var hub: String
    public var hostname: String
    public var deviceID: String
    public var authMethod: String
    /// When a SAS-authenticated connection must end (the token's `se`), in Unix seconds.
    public var expiresAt: Int64?
}

/// Authentication (the CONNECT fields of learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub, SAS tokens as in
/// learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas) and the registry of live connections.
extension HubCore {
    /// Checks the user name grammar and the credentials; the reason is logged with the device id and sent nowhere.
    public func authenticate(_ attempt: ConnectAttempt) -> Result<DeviceSessionIdentity, IoTHubError> {
        func refuse(_ reason: String) -> Result<DeviceSessionIdentity, IoTHubError> {
            self.logger.warning("connection refused", metadata: ["device": "\(PeerText.quoted(attempt.clientID))", "peer": "\(attempt.peer)", "reason": "\(reason)"])
            return .failure(IoTHubError.unauthorized(reason))
        }
        guard let username = attempt.username else { return refuse("no user name") }
        let quotedName = PeerText.quoted(username)
        // {hostname}/{clientId}/?api-version=…[&…]  or the legacy {hostname}/{clientId}
        let parts = username.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty else { return refuse("user name '\(quotedName)' is not {hostname}/{deviceId}/?api-version=…") }
        let hostname = String(parts[0])
        let clientID = String(parts[1])
        var apiVersion: String?
        if parts.count == 3 {
            guard parts[2].hasPrefix("?") || parts[2].isEmpty else { return refuse("user name '\(quotedName)' has text after the device id that is not a query") }
            for pair in parts[2].dropFirst().split(separator: "&") where pair.hasPrefix("api-version=") {
                apiVersion = String(pair.dropFirst("api-version=".count))
            }
        }
        if apiVersion == nil {
            if self.strictAPIVersion { return refuse("user name '\(quotedName)' has no api-version") }
            self.logger.warning("CONNECT without api-version", metadata: ["device": "\(PeerText.quoted(clientID))"])
        } else {
            self.logger.debug("api-version", metadata: ["device": "\(PeerText.quoted(clientID))", "api-version": "\(PeerText.quoted(apiVersion!))"])
        }
        guard clientID == attempt.clientID else { return refuse("client id '\(PeerText.quoted(attempt.clientID))' differs from the user name's '\(PeerText.quoted(clientID))'") }
        // What the check needs, taken from the registry; the signature and chain checks run without its lock.
        let found: (hub: HubRecord, device: DeviceRecord?, anchors: [Certificate])
        do {
            found = try self.registry.read(hostname) { ($0.record, $0.devices[clientID], $0.certificates.verifiedAnchors) }
        } catch {
            return refuse("no hub at '\(PeerText.quoted(hostname))'")
        }
        guard let device = found.device else { return refuse("device '\(PeerText.quoted(clientID))' is not registered") }
        return self.checkCredentials(attempt, of: device, hub: found.hub, anchors: found.anchors, refuse: refuse)
    }

    /// A registered device's credentials checked: its SAS token, thumbprint or CA chain.
    private func checkCredentials(
        _ attempt: ConnectAttempt, of device: DeviceRecord, hub: HubRecord, anchors: [Certificate],
        refuse: (String) -> Result<DeviceSessionIdentity, IoTHubError>
    ) -> Result<DeviceSessionIdentity, IoTHubError> {
        let clientID = device.deviceID
        guard device.enabled else { return refuse("device '\(clientID)' is disabled") }
        let identity = { (method: String) in
            DeviceSessionIdentity(hub: hub.name, hostname: hub.hostname, deviceID: clientID, authMethod: method, expiresAt: nil)
        }
        switch device.authentication {
        case .sas(let primary, let secondary):
            guard let password = attempt.password, let text = String(validating: password, as: UTF8.self) else {
                return refuse("no SAS token")
            }
            let token: SASToken
            do {
                token = try SASToken.parse(text)
            } catch {
                return refuse("\(error)")
            }
            guard token.expiry > Int64(self.credentialNow().timeIntervalSince1970) else { return refuse("the SAS token expired") }
            guard token.grants("\(hub.hostname)/devices/\(clientID)") else {
                return refuse("the SAS token's resource '\(token.resource)' does not cover this device")
            }
            if let policy = token.policy {
                guard AccessRights.ofDefaultPolicy(policy).contains(.deviceConnect), let keys = hub.policies[policy],
                    token.isSigned(byKey: keys.primary) || token.isSigned(byKey: keys.secondary)
                else { return refuse("the SAS token's signature does not match policy '\(policy)'") }
            } else if !(token.isSigned(byKey: primary) || token.isSigned(byKey: secondary)) {
                return refuse("the SAS token's signature does not match the device keys")
            }
            var accepted = identity("sas")
            accepted.expiresAt = token.expiry
            return .success(accepted)
        case .selfSigned(let primary, let secondary):
            guard let leaf = attempt.chain.first else { return refuse("no client certificate") }
            let presented = [thumbprint(leaf, sha256: false), thumbprint(leaf, sha256: true)]
            let expected = [primary, secondary].compactMap { $0?.uppercased().replacingOccurrences(of: ":", with: "") }
            guard presented.contains(where: expected.contains) else {
                return refuse("thumbprint SHA1Hash=\(presented[0]), SHA2Hash=\(presented[1]) is not the device's")
            }
            return .success(identity("x509"))
        case .certificateAuthority:
            guard let leaf = attempt.chain.first else { return refuse("no client certificate") }
            let commonName = leaf.commonName
            guard commonName == clientID else { return refuse("the certificate's CN '\(commonName ?? "")' is not the device id") }
            guard CertificateProof.path(from: attempt.chain, to: anchors, now: self.credentialNow()) != nil else {
                return refuse("the certificate chain does not reach a verified CA certificate of the hub")
            }
            return .success(identity("x509"))
        }
    }

    /// Registers a live connection; an older one for the same device is closed. Returns the stored session's
    /// subscriptions (nil when there is none) for session-present.
    /// - Throws: when the persistent session cannot be read or removed: the connection is then refused, not half made.
    public func register(_ link: any DeviceLink, identity: DeviceSessionIdentity, cleanSession: Bool) throws(HubStoreError) -> [String]? {
        let stored: [String]?
        do {
            if cleanSession {
                try self.store.deleteSession(hub: identity.hub, client: identity.deviceID)
                stored = nil
            } else {
                stored = try self.store.session(hub: identity.hub, client: identity.deviceID)
            }
        } catch {
            self.logger.error("connection refused: \(error)", metadata: ["hub": "\(identity.hub)", "device": "\(identity.deviceID)"])
            throw error
        }
        // The last activity time is kept in memory only, as the registry shows it (not worth a disk sync per CONNECT).
        _ = try? self.registry.updateDevice(identity.hub, identity.deviceID) { _, found -> ((), DeviceRecord?) in
            guard var device = found else { return ((), nil) }
            device.lastActivityTime = self.timestamp()
            return ((), device)
        }
        let old = self.connections.register(link, hub: identity.hub, deviceID: identity.deviceID, cleanSession: cleanSession)
        old?.close(reason: "a new connection with the same device id (400027 ConnectionForcefullyClosedOnNewConnection)")
        self.logger.info("device connected", metadata: ["hub": "\(identity.hub)", "device": "\(identity.deviceID)", "auth": "\(identity.authMethod)"])
        return stored
    }

    public func unregister(_ link: any DeviceLink, identity: DeviceSessionIdentity) {
        self.connections.unregister(link, hub: identity.hub, deviceID: identity.deviceID)
        self.logger.info("device disconnected", metadata: ["hub": "\(identity.hub)", "device": "\(identity.deviceID)"])
    }

    /// Records a device's subscriptions, persisting them first when its session is persistent. Queued C2D is
    /// delivered by ``deliverQueued(hub:deviceID:)``. (The session handler stores and takes them in two steps, so that
    /// its SUBACK is written in between.)
    /// - Throws: when the persistent session cannot be saved; the subscriptions are not taken then.
    public func saveSubscriptions(
        _ filters: [String], kinds: Set<DeviceSubscription>, identity: DeviceSessionIdentity, link: any DeviceLink
    ) throws(HubStoreError) {
        try self.storeSubscriptions(filters, identity: identity, link: link)
        self.takeSubscriptions(kinds, identity: identity, link: link)
    }

    /// Persists the subscriptions when `link` is the device's connection and its session is persistent.
    public func storeSubscriptions(_ filters: [String], identity: DeviceSessionIdentity, link: any DeviceLink) throws(HubStoreError) {
        guard self.connections.isPersistent(link, hub: identity.hub, deviceID: identity.deviceID) else { return }
        do {
            try self.store.saveSession(hub: identity.hub, client: identity.deviceID, subscriptions: filters)
        } catch {
            self.logger.error("subscriptions refused: \(error)", metadata: ["hub": "\(identity.hub)", "device": "\(identity.deviceID)"])
            throw error
        }
    }

    /// From now on the hub sends `link` what `kinds` ask for (no I/O: the session calls it on its event loop).
    public func takeSubscriptions(_ kinds: Set<DeviceSubscription>, identity: DeviceSessionIdentity, link: any DeviceLink) {
        self.connections.setSubscriptions(kinds, of: link, hub: identity.hub, deviceID: identity.deviceID)
        if kinds.contains(.methods) { self.methodArrivals.arrived(hub: identity.hub, deviceID: identity.deviceID) }
    }

    func link(hub: String, deviceID: String, needing kind: DeviceSubscription) -> (any DeviceLink)? {
        self.connections.link(hub: hub, deviceID: deviceID, needing: kind)
    }
}
