/// IoT Hub's permissions, as a shared access policy grants them ("Control access to IoT Hub with shared access
/// signatures", learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas: RegistryRead, RegistryWrite,
/// ServiceConnect, DeviceConnect).
public struct AccessRights: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Read access to the identity registry.
    public static let registryRead = AccessRights(rawValue: 1 << 0)
    /// Write access to the identity registry.
    public static let registryWrite = AccessRights(rawValue: 1 << 1)
    /// The service-facing endpoints: cloud-to-device messages, twins (tags, desired properties, queries), methods.
    public static let serviceConnect = AccessRights(rawValue: 1 << 2)
    /// The device-facing endpoints: telemetry, C2D, twin desired notifications and reported properties.
    public static let deviceConnect = AccessRights(rawValue: 1 << 3)

    public static let all: AccessRights = [.registryRead, .registryWrite, .serviceConnect, .deviceConnect]

    /// The rights of the policies a new hub has (the same page's table): `iothubowner` all of them, `service`
    /// ServiceConnect, `device` DeviceConnect, `registryRead` RegistryRead, `registryReadWrite` RegistryRead and
    /// RegistryWrite. A name the emulator did not create grants nothing.
    public static func ofDefaultPolicy(_ name: String) -> AccessRights {
        switch name {
        case "iothubowner": return .all
        case "service": return .serviceConnect
        case "device": return .deviceConnect
        case "registryRead": return .registryRead
        case "registryReadWrite": return [.registryRead, .registryWrite]
        default: return []
        }
    }

    /// The rights' names, joined with commas (`RegistryRead, RegistryWrite`).
    public var description: String { self.names.joined(separator: ", ") }

    /// The rights' names, joined with "or" (what an operation accepts).
    public var alternatives: String { self.names.joined(separator: " or ") }

    private var names: [String] {
        let names: [(AccessRights, String)] = [
            (.registryRead, "RegistryRead"), (.registryWrite, "RegistryWrite"), (.serviceConnect, "ServiceConnect"),
            (.deviceConnect, "DeviceConnect"),
        ]
        return names.filter { self.contains($0.0) }.map(\.1)
    }
}
