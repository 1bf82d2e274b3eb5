// swift-tools-version:6.1
import PackageDescription

// Upcoming features on for every target of ours, as Swift 6 hygiene.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "etl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "etl", targets: ["etl"]),
        // The readers as a library, for the fuzz harness in Fuzz/ (a separate package).
        .library(name: "Ingest", targets: ["Ingest"]),
        // The benchmark's synthetic national workload, for Benchmarks/ and the tests.
        .library(name: "Workload", targets: ["Workload"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1")
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            path: "Sources/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "SystemZlib",
            path: "Sources/SystemZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Ingest",
            dependencies: ["CLibXML2", "SystemZlib"],
            swiftSettings: strict
        ),
        .target(
            name: "Fetch",
            dependencies: ["Ingest"],
            swiftSettings: strict
        ),
        .target(
            name: "Transform",
            dependencies: ["Ingest"],
            swiftSettings: strict
        ),
        .target(
            name: "Workload",
            dependencies: ["Ingest", "Transform"],
            swiftSettings: strict
        ),
        .target(
            name: "Warehouse",
            dependencies: [
                "Ingest", "Transform",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift")
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Pipeline",
            dependencies: [
                "Ingest", "Transform", "Warehouse", "Fetch",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: strict
        ),
        // `etl report`: the static HTML report (templates in Mustache, the SVG charts ours).
        .target(
            name: "Report",
            dependencies: [
                "Warehouse", "Transform", "Ingest",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache")
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "etl",
            dependencies: [
                "Ingest", "Transform", "Warehouse", "Pipeline", "Fetch", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict
        ),
        // What every test suite shares: collecting sinks, temporary folders removed even when a
        // test throws, the process runner, a small pipeline builder.
        .target(
            name: "TestSupport",
            dependencies: [
                "Ingest",
                .product(name: "GRDB", package: "GRDB.swift")
            ], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "TransformTests", dependencies: ["Transform", "Ingest", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WarehouseTests",
            dependencies: [
                "Warehouse", "Transform", "Ingest", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift")
            ], swiftSettings: strict),
        .testTarget(
            name: "FetchTests",
            dependencies: [
                "Fetch", "Ingest", "Pipeline", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift")
            ], swiftSettings: strict),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Transform"], swiftSettings: strict),
        // Every module's error enum against the README's exit status table.
        .testTarget(
            name: "ExitStatusTests",
            dependencies: ["Fetch", "Ingest", "Pipeline", "Report", "TestSupport", "Transform", "Warehouse", "Workload"],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Pipeline", "Warehouse", "Transform", "Ingest", "TestSupport", "Workload", "etl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams")
            ], exclude: ["Golden"], swiftSettings: strict)
    ],
    swiftLanguageModes: [.v6]
)
