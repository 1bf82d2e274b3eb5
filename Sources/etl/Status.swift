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
                let r = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT run_id, command, started_at, finished_at, status, structure_year, sources_read, sources_reused,
                               observations_staged AS staged, rows_rejected AS rejected, facts_written AS facts, warnings, message
                        FROM etl_run ORDER BY run_id DESC LIMIT ?
                        """, arguments: [runs])
                out("Last runs")
                render(columns: r.first?.columnNames.map { $0 } ?? [], rows: r.map { Array($0.databaseValues) }, format: .table)
                let s = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT source_id, format, table_id, updated, loaded_at, observations, rejected, substr(content_hash, 1, 12) AS hash, path
                        FROM dim_source ORDER BY source_id
                        """)
                out("\nSources")
                render(columns: s.first?.columnNames.map { $0 } ?? [], rows: s.map { Array($0.databaseValues) }, format: .table)
            }
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
        }
    }
}
