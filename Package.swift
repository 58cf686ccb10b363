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
        .executable(name: "canvass-fixtures", targets: ["canvass-fixtures"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // Pure replication model: no I/O, no clocks, no dependencies.
        .target(name: "CanvassCore", swiftSettings: strict),
        // Wire types, JSON encoding, survey/schema documents.
        .target(
            name: "CanvassProtocol",
            dependencies: ["CanvassCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // Deterministic synthetic campaign generator (fixed seed, no real people).
        .target(name: "CanvassFixtures", dependencies: ["CanvassCore", "CanvassProtocol"], swiftSettings: strict),
        .target(
            name: "CanvassTestSupport",
            dependencies: ["CanvassCore", "CanvassProtocol", "CanvassFixtures"],
            swiftSettings: strict),
        .executableTarget(
            name: "canvass-bench",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassFixtures", "CanvassTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "canvass-fixtures",
            dependencies: [
                "CanvassFixtures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "canvass-server",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassFixtures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CanvassCoreTests",
            dependencies: [
                "CanvassCore", "CanvassProtocol", "CanvassTestSupport", "CanvassFixtures",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [],
            swiftSettings: strict),
    ]
)
