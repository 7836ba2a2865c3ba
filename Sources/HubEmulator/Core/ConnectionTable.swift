import Foundation
import IoTHubTopics
import NIOConcurrencyHelpers

/// The hub's live device connections, by hub and device id, with what each subscribed to. Its own lock, taken
/// alone: nothing is called while it is held.
final class ConnectionTable: Sendable {
    struct Entry {
        let link: any DeviceLink
        var subscriptions: Set<DeviceSubscription>
        var cleanSession: Bool
    }

    private struct Key: Hashable {
        var hub: String
        var deviceID: String
    }

    private let entries = NIOLockedValueBox<[Key: Entry]>([:])

    /// Makes `link` the device's connection; returns the connection it replaces.
    func register(_ link: any DeviceLink, hub: String, deviceID: String, cleanSession: Bool) -> (any DeviceLink)? {
        self.entries.withLockedValue { entries in
            let key = Key(hub: hub, deviceID: deviceID)
            defer { entries[key] = Entry(link: link, subscriptions: [], cleanSession: cleanSession) }
            return entries[key]?.link
        }
    }

    /// Forgets `link` if it is still the device's connection.
    func unregister(_ link: any DeviceLink, hub: String, deviceID: String) {
        self.entries.withLockedValue { entries in
            let key = Key(hub: hub, deviceID: deviceID)
            if entries[key]?.link === link { entries[key] = nil }
        }
    }

    /// Forgets the device's connection, whichever it is; returns it (to be closed).
    func remove(hub: String, deviceID: String) -> (any DeviceLink)? {
        self.entries.withLockedValue { $0.removeValue(forKey: Key(hub: hub, deviceID: deviceID))?.link }
    }

    /// Whether `link` is the device's connection and has a persistent session.
    func isPersistent(_ link: any DeviceLink, hub: String, deviceID: String) -> Bool {
        self.entries.withLockedValue { entries in
            guard let entry = entries[Key(hub: hub, deviceID: deviceID)], entry.link === link else { return false }
            return !entry.cleanSession
        }
    }

    func setSubscriptions(_ kinds: Set<DeviceSubscription>, of link: any DeviceLink, hub: String, deviceID: String) {
        self.entries.withLockedValue { entries in
            let key = Key(hub: hub, deviceID: deviceID)
            if entries[key]?.link === link { entries[key]?.subscriptions = kinds }
        }
    }

    /// The device's connection when it subscribed to `kind`.
    func link(hub: String, deviceID: String, needing kind: DeviceSubscription) -> (any DeviceLink)? {
        self.entries.withLockedValue { entries in
            guard let entry = entries[Key(hub: hub, deviceID: deviceID)], entry.subscriptions.contains(kind) else { return nil }
            return entry.link
        }
    }

    /// The live connections of `hub` (every hub's when nil), by device id.
    func links(hub: String?) -> [(deviceID: String, link: any DeviceLink)] {
        self.entries.withLockedValue { entries in
            entries.filter { hub == nil || $0.key.hub == hub }.map { ($0.key.deviceID, $0.value.link) }
        }
    }

    func isConnected(hub: String, deviceID: String) -> Bool {
        self.entries.withLockedValue { $0[Key(hub: hub, deviceID: deviceID)] != nil }
    }
}
