import NIOHTTP1

/// One operation of the service REST API (what `azure-iot-hub` calls), named from the request line alone, so that it
/// is authorized on the headers, before any body is read. Each names the permission it needs.
public enum ServiceOperation: Sendable, Equatable {
    case putDevice(id: String)
    case getDevice(id: String)
    case deleteDevice(id: String)
    case listDevices
    case deviceStatistics
    case purgeCloudToDevice(id: String)
    case queryTwins
    case getTwin(id: String)
    case updateTwin(id: String, replace: Bool)
    case invokeMethod(id: String)

    /// The operation a request line names. - Throws: 404 NotFound for anything else.
    public init(method: HTTPMethod, path: String) throws(IoTHubError) {
        let segments = path.split(separator: "/").map(String.init)
        switch (method, segments.count, segments.first) {
        case (.PUT, 2, "devices"): self = .putDevice(id: segments[1])
        case (.GET, 2, "devices"): self = .getDevice(id: segments[1])
        case (.DELETE, 2, "devices"): self = .deleteDevice(id: segments[1])
        case (.GET, 1, "devices"): self = .listDevices
        case (.DELETE, 3, "devices") where segments[2] == "commands": self = .purgeCloudToDevice(id: segments[1])
        case (.POST, 2, "devices") where segments[1] == "query": self = .queryTwins
        case (.GET, 2, "twins"): self = .getTwin(id: segments[1])
        case (.PATCH, 2, "twins"): self = .updateTwin(id: segments[1], replace: false)
        case (.PUT, 2, "twins"): self = .updateTwin(id: segments[1], replace: true)
        case (.POST, 3, "twins") where segments[2] == "methods": self = .invokeMethod(id: segments[1])
        case (.GET, 2, "statistics") where segments[1] == "devices": self = .deviceStatistics
        default: throw .notFound("no service operation \(method) \(path)")
        }
    }

    /// The rights of which a token's policy must hold at least one ("Control access to IoT Hub with shared access
    /// signatures": RegistryRead reads the identity registry, RegistryWrite changes it, ServiceConnect reaches twins,
    /// queries, methods and cloud-to-device messages). A twin read and a query are also registry reads ("Get started
    /// with device twins": the back end "needs the registry read permission to query the identity registry").
    public var requiredRights: AccessRights {
        switch self {
        case .getDevice, .listDevices, .deviceStatistics: return .registryRead
        case .putDevice, .deleteDevice: return .registryWrite
        case .getTwin, .queryTwins: return [.registryRead, .serviceConnect]
        case .updateTwin, .invokeMethod, .purgeCloudToDevice: return .serviceConnect
        }
    }
}
