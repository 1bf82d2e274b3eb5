import ArgumentParser
import Foundation
import Pipeline
import Warehouse

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write harmonised indicators as SSB-style long CSV or JSON-stat 2.0 (statuses kept).",
        discussion: "The CSV uses ';' and decimal comma, UTF-8; both read back with `etl inspect`.")

    @Option(name: .long, help: "Warehouse file (default: warehouse/omsorg.sqlite).")
    var warehouse: String = Pipeline.defaultWarehouse

    @Option(name: .long, help: "csv or jsonstat.")
    var format: ExportFormat = .csv

    @Option(name: .long, help: "Indicator code (repeat for several; default all).")
    var indicator: [String] = []

    @Option(name: .long, help: "Region code (repeat for several; default all).")
    var region: [String] = []

    @Option(name: [.short, .long], help: "Output file.")
    var output: String

    enum ExportFormat: String, ExpressibleByArgument { case csv, jsonstat }

    func run() throws {
        do {
            let q = try Warehouse.openReadOnly(path: warehouse)
            let opts = Exporter.Options(indicators: indicator, regions: region)
            let n = try q.read { db in
                switch format {
                case .csv: return try Exporter.csv(db, to: output, options: opts)
                case .jsonstat: return try Exporter.jsonstat(db, to: output, options: opts)
                }
            }
            eprint("wrote \(n) values to \(output)")
        } catch {
            eprint("error: \(error)")
            throw Exit.failure
        }
    }
}
