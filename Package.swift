// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "canvass",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CanvassCore", targets: ["CanvassCore"]),
        .library(name: "CanvassProtocol", targets: ["CanvassProtocol"]),
        .executable(name: "canvass-bench", targets: ["canvass-bench"]),
        .executable(name: "canvass-server", targets: ["canvass-server"]),
        .executable(name: "canvass", targets: ["canvass"]),
        .executable(name: "canvass-fixtures", targets: ["canvass-fixtures"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", exact: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", exact: "0.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // Pure replication model: no I/O, no clocks, no dependencies.
        .target(name: "CanvassCore", swiftSettings: strict),
        // Wire types, JSON encoding, survey/schema documents, voter files (CSV).
        .target(
            name: "CanvassProtocol",
            dependencies: [
                "CanvassCore", .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The SQLite replica (GRDB): migrations, transactional apply, local writes, feed, queries.
        .target(
            name: "CanvassStore",
            dependencies: ["CanvassCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        // The server's store on PostgreSQL (postgres-nio): sealed like CanvassStore, the only module
        // with PostgreSQL's SQL. Rules come from CanvassCore; it fetches their inputs and stores
        // their outcome, as `ServerStore` does on SQLite.
        .target(
            name: "CanvassPostgres",
            dependencies: [
                "CanvassCore", "CanvassStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Server-side sync logic without HTTP: push validation and merge, pull paging, scope.
        .target(
            name: "CanvassServer",
            dependencies: [
                "CanvassCore", "CanvassStore", "CanvassProtocol", "CanvassCampaign", "CanvassPostgres",
                // Webhook deliveries of the automation outbox.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        // Campaign reads over a replica that the coordinator's client and the server both make:
        // the people of a campaign as the rules read them, automation inputs, mail templates.
        .target(
            name: "CanvassCampaign",
            dependencies: [
                "CanvassCore", "CanvassStore", "CanvassProtocol",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict),
        // The field-client core: session, sync engine, transports, canvasser operations.
        .target(
            name: "CanvassClient",
            dependencies: [
                "CanvassCore", "CanvassStore", "CanvassProtocol", "CanvassCampaign",
                // Writing CSV (exports, report tables): `FieldClient.csv`, the one CSV writer.
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Deterministic synthetic campaign generator (fixed seed, no real people).
        .target(name: "CanvassFixtures", dependencies: ["CanvassCore", "CanvassProtocol"], swiftSettings: strict),
        .target(
            name: "CanvassTestSupport",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassFixtures", "CanvassStore", "CanvassClient", "CanvassServer",
                // Scratch databases for the suites that run on both backends (`TestBackend`).
                "CanvassPostgres", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "canvass-bench",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassFixtures", "CanvassTestSupport", "CanvassClient",
                "CanvassServer", "CanvassStore", "CanvassCampaign", "CanvassPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "canvass-fixtures",
            dependencies: [
                "CanvassFixtures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // The canvasser's and coordinator's command line: thin over CanvassClient.
        .executableTarget(
            name: "canvass",
            dependencies: [
                "CanvassCore", "CanvassClient", "CanvassProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // Test tool for the crash-safety tests: writes and syncs until killed.
        .executableTarget(
            name: "canvass-crashprobe",
            dependencies: ["CanvassCore", "CanvassClient", "CanvassServer", "CanvassFixtures", "CanvassTestSupport"],
            swiftSettings: strict),
        // Fuzz target for the wire decoder and the push judgement: libFuzzer with `.ci/fuzz`,
        // replay and seed corpus without it. Only pure modules, so the fuzz build stays small.
        .executableTarget(
            name: "canvass-fuzz",
            dependencies: ["CanvassCore", "CanvassProtocol", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // The server executable; the demo campaign comes from the fixture generator.
        .executableTarget(
            name: "canvass-server",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassServer", "CanvassFixtures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CanvassCoreTests",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassTestSupport", "CanvassFixtures",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CanvassStoreTests",
            dependencies: ["CanvassCore", "CanvassStore", "CanvassTestSupport", "CanvassFixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "CanvassServerTests",
            dependencies: [
                "CanvassCore", "CanvassStore", "CanvassServer", "CanvassProtocol", "CanvassTestSupport",
                "CanvassCampaign",
                "CanvassFixtures",
                "CanvassClient",
                // PostgresStoreTests reach the store's transactions directly.
                "CanvassPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CanvassEndToEndTests",
            dependencies: [
                "CanvassCore", "CanvassStore", "CanvassClient", "CanvassProtocol", "CanvassTestSupport",
                "CanvassCampaign",
                "CanvassFixtures",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CanvassClientTests",
            dependencies: [
                "CanvassCore", "CanvassStore", "CanvassClient", "CanvassServer", "CanvassProtocol", "CanvassCampaign",
                "CanvassTestSupport", "CanvassFixtures",
            ],
            swiftSettings: strict),
    ]
)
