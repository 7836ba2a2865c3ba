// swift-tools-version:6.2
import PackageDescription

/// Every warning in the project's own code fails the build (SE-0443; SwiftPM applies it to this package's targets
/// only, never to its dependencies).
let warningsAsErrors: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
] + warningsAsErrors

let package = Package(
    name: "nrfsim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nrfsim", targets: ["nrfsim"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // L0: shared vocabulary with no I/O.
        .target(name: "SimCore", swiftSettings: strictSettings),
        .target(name: "TrafficLedger", swiftSettings: strictSettings),
        // L0: JSON values with ordered members, the RFC 8259 parser, and the one string escaping every JSON printer uses.
        .target(name: "JSON", swiftSettings: strictSettings),
        // L1: where secrets come from (the CSPRNG, or HKDF of --seed) and the one durable, private file writer.
        .target(
            name: "Secrets",
            dependencies: ["SimCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // L1: pure codecs.
        .target(name: "ATProtocol", swiftSettings: strictSettings),
        // L1: Kconfig, a pure-Swift port of kconfiglib 14.1.0, plus Zephyr's fragment pipeline and kconfig.py checks.
        .target(
            name: "Kconfig",
            dependencies: ["JSON"],
            // The parser's hot loops index the tree's own arrays; dynamic exclusivity checks cost ~5% there.
            swiftSettings: strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        // L2: the firmware's typed configuration, built from evaluated Kconfig symbols.
        .target(name: "FirmwareConfig", dependencies: ["Kconfig"], swiftSettings: strictSettings),
        // L1: the MQTT 3.1.1 packet codec (pure; shared by the hub/DPS emulators and their tests).
        .target(name: "MQTTCodec", swiftSettings: strictSettings),
        // L1: IoT Hub topic and property-bag codec (pure; the hub emulator and the firmware share it).
        .target(name: "IoTHubTopics", swiftSettings: strictSettings),
        // L2: cert_tool.py's actions (test PKI for the hub, DPS and devices).
        .target(
            name: "CertTool",
            dependencies: [
                "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),
        // L3: the local IoT Hub emulator: MQTT over TLS, the service REST API, the registry and twins in SQLite.
        .target(
            name: "HubEmulator",
            dependencies: [
                "JSON", "MQTTCodec", "IoTHubTopics", "CertTool", "Secrets", "SimCore", "TrafficLedger",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // L2: the HTTPS client `nrfsim az` uses against the emulator's API, and the JMESPath subset of its `--query`.
        .target(
            name: "HubClient",
            dependencies: [
                "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // L0: system C libraries, each imported by exactly one wrapper module.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // L2: the one OpenSSL wrapper: client SSL_CTX owners built from in-memory PEM.
        .target(name: "OpenSSLKit", dependencies: ["COpenSSL"], swiftSettings: strictSettings),
        // L2: the one libmosquitto wrapper.
        .target(name: "MosquittoKit", dependencies: ["CMosquitto", "OpenSSLKit"], swiftSettings: strictSettings),
        // L3: the device firmware: the SDK's Azure IoT Hub library, DPS, MQTT helper and sample, over libmosquitto.
        .target(
            name: "Firmware",
            dependencies: [
                "FirmwareConfig", "MosquittoKit", "OpenSSLKit", "Secrets", "SimCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // L2: the one POSIX pseudo-terminal wrapper.
        .target(name: "PTY", swiftSettings: strictSettings),
        // L3: the simulated nRF91 modem.
        .target(
            name: "VirtualModem",
            dependencies: [
                "ATProtocol", "PTY", "SimCore", "OpenSSLKit", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // L3: one device's simulated network: TCP relays on loopback shaped by latency, rate, loss, coverage and the
        // carrier NAT, and the scenario files that change them over time.
        .target(
            name: "NetworkModel",
            dependencies: [
                "SimCore", "TrafficLedger",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        // L4: the command-line composition root.
        .executableTarget(
            name: "nrfsim",
            dependencies: [
                "VirtualModem", "SimCore", "Secrets", "Kconfig", "FirmwareConfig", "CertTool", "HubEmulator", "HubClient", "JSON", "Firmware", "TrafficLedger",
                "OpenSSLKit", "NetworkModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Benchmark driver: the Kconfig engine's phases, in-process (benchmarks/kconfig_bench.py runs it).
        .executableTarget(
            name: "kconfig-bench", dependencies: ["Kconfig"], path: "benchmarks/KconfigBench", swiftSettings: warningsAsErrors),
        // Benchmark driver: JSONValue.parse on objects of N members (benchmarks/json_parse.py runs it).
        .executableTarget(name: "json-bench", dependencies: ["JSON"], path: "benchmarks/JSONBench", swiftSettings: warningsAsErrors),
        // Benchmark load generator: N mutual-TLS MQTT clients (benchmarks/hub_vs_mosquitto.py), or DPS registrations
        // (benchmarks/dps_registrations.py).
        .executableTarget(
            name: "mqtt-load",
            dependencies: [
                "MQTTCodec",
                "IoTHubTopics",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "benchmarks/MQTTLoad",
            swiftSettings: warningsAsErrors
        ),
        .testTarget(
            name: "nrfsimTests",
            dependencies: ["nrfsim", "Firmware", "FirmwareConfig", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["Snapshots"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FirmwareTests",
            dependencies: [
                "Firmware", "FirmwareConfig", "HubEmulator", "JSON", "Kconfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TrafficLedgerTests",
            dependencies: ["TrafficLedger"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NetworkModelTests",
            dependencies: [
                "NetworkModel", "SimCore", "TrafficLedger",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "SimCore"], swiftSettings: strictSettings),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"], swiftSettings: strictSettings),
        .testTarget(name: "ATProtocolTests", dependencies: ["ATProtocol"], swiftSettings: strictSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strictSettings),
        .testTarget(name: "MQTTCodecTests", dependencies: ["MQTTCodec"], swiftSettings: strictSettings),
        .testTarget(name: "IoTHubTopicsTests", dependencies: ["IoTHubTopics"], swiftSettings: strictSettings),
        .testTarget(
            name: "HubEmulatorTests",
            dependencies: [
                "HubEmulator", "JSON", "MQTTCodec", "IoTHubTopics", "TrafficLedger",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings),
        .testTarget(name: "HubClientTests", dependencies: ["HubClient", "JSON"], swiftSettings: strictSettings),
        .testTarget(
            name: "CertToolTests",
            dependencies: [
                "CertTool",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KconfigTests",
            dependencies: ["Kconfig", "FirmwareConfig"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VirtualModemTests",
            dependencies: [
                "VirtualModem", "ATProtocol", "SimCore", "PTY", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            exclude: ["Transcripts"],
            swiftSettings: strictSettings
        ),
    ]
)
