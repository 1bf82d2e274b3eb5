import ArgumentParser
import Foundation
import Workload

/// The benchmark's own tools (Benchmarks/run.sh): the synthetic national workload and the
/// bare-insert baseline. Kept out of `etl`, which is the product.
@main
struct ETLBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl-bench",
        abstract: "Benchmark tools for etl: generate the national workload; the bare-insert baseline.",
        subcommands: [Generate.self, BenchInsert.self])
}

/// Writes a national-scale synthetic workload in SSB's real formats (see `WorkloadWriter`).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic national-scale workload (SSB CSV, JSON-stat, SDMX) and pipelines over it, for benchmarks.",
        discussion: """
            Writes into DIR: bench.csv (SSB v0 long CSV, ISO-8859-1, decimal comma), bench.json (JSON-stat 2.0),
            bench.xml (SDMX-ML 2.0 GenericData), pipeline.yml (over the CSV), pipeline-jsonstat.yml,
            pipeline-sdmx.yml, indicators.yml, kommuneendringer.csv (a copy of the catalogue) and workload.json
            (the shape and cell counts). The same --seed gives the same files.
            """)

    @Option(name: .long, help: "Directory to write into (created if missing).")
    var out: String

    @Option(name: .long, help: "Approximate number of observations (cells) per format; rounded up to whole measures.")
    var observations: Int = 5_000_000

    @Option(name: .long, help: "Formats to write, comma-separated: csv, jsonstat, sdmx.")
    var formats: String = "csv,jsonstat,sdmx"

    @Option(name: .long, help: "Seed for the synthetic values.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "The change catalogue (KLASS 131 changes) the regions come from.")
    var catalog: String = "pipelines/kommuneendringer.csv"

    func run() throws {
        do {
            let line = try WorkloadWriter.write(
                out: out, observations: observations, formats: Set(formats.split(separator: ",").map(String.init)),
                seed: seed, catalog: catalog)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } catch let e as WorkloadError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(e.exitStatus)
        }
    }
}
