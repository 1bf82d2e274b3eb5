// swift-tools-version:6.1
// Fuzz targets for the readers in Sources/Ingest: one libFuzzer executable per reader.
// A separate package so the main build never needs the fuzzer runtime. Build and run with
// scripts/fuzz.sh (it passes `-sanitize=fuzzer` and `-parse-as-library`); a plain
// `swift build --package-path Fuzz` without those flags does not link (there is no main).
import PackageDescription

let readers = ["FuzzCSV", "FuzzJSONStat", "FuzzSDMX", "FuzzPX", "FuzzHusbanken", "FuzzXLSX", "FuzzKlass"]

let package = Package(
    name: "EtlFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "etl", path: "..")
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "Ingest", package: "etl")]
        )
    ]
        + readers.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "Ingest", package: "etl")]
            )
        },
    swiftLanguageModes: [.v6]
)
