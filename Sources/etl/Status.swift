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
            try queue.read { db in
                let r = try Warehouse.recentRuns(db, limit: runs)
                out("Last runs")
                render(columns: r.first?.columnNames.map { $0 } ?? [], rows: r.map { Array($0.databaseValues) }, format: .table)
                let s = try Warehouse.sourceStatus(db)
                out("\nSources")
                render(columns: s.first?.columnNames.map { $0 } ?? [], rows: s.map { Array($0.databaseValues) }, format: .table)
            }
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
        }
    }
}
