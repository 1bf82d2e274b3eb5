import ArgumentParser
import Foundation
import GRDB
import Pipeline
import Warehouse

/// The last runs and the freshness of each source.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the last runs and the freshness of each source.")

    @Option(name: .long, help: "Warehouse file (default: warehouse/omsorg.sqlite).")
    var warehouse: String = Pipeline.defaultWarehouse

    @Option(name: .long, help: "How many runs to show.")
    var runs: Int = 10

    func run() throws {
        let queue = try openWarehouseForReading(warehouse)
        do {
            let (recent, sources) = try queue.read { db in try WarehouseStatus.read(db, runs: runs) }
            out("Last runs")
            render(columns: recent.columns, rows: recent.rows, format: .table)
            out("\nSources")
            render(columns: sources.columns, rows: sources.rows, format: .table)
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
        }
    }
}
