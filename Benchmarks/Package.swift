// swift-tools-version:6.1
// The benchmark's tools (Benchmarks/run.sh): `etl-bench generate` writes the synthetic national
// workload (the generator is the `Workload` library of the main package, which the tests use
// too), `etl-bench bench-insert` is the bare prepared-statement baseline. A separate package,
// as Fuzz/ is, so the `etl` executable holds only the product.
import PackageDescription

let package = Package(
    name: "EtlBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "etl", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0")
    ],
    targets: [
        .executableTarget(
            name: "etl-bench",
            dependencies: [
                .product(name: "Workload", package: "etl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift")
            ],
            path: "Sources/etl-bench"
        )
    ],
    swiftLanguageModes: [.v6]
)
