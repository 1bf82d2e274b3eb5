import ArgumentParser
import Foundation
import GRDB
import Pipeline
import Transform
import Warehouse

/// `etl diff`: the facts that differ between two publications (README, "What changed last night").
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the values added, removed and revised between two runs (default: the last two runs).",
        discussion: """
        RUN_A and RUN_B are run ids or dates (2025-04-01: what was published by the end of that day, UTC); each stands
        for the publication in force then (a run that published nothing, such as a no-op run, shows the one before it).
        With no run, the last two successful runs are compared; with one, that run and the last.
        Columns: indicator, sources, region, year, breakdown, structure_year, change (added, removed, revised),
        old_value, new_value, relative_change ((new - old) / |old|), old_status, new_status.
        Exit statuses: 0, 1 (unreadable warehouse), 2 (usage: an unknown run or date), 5 (--max-revision exceeded).
        """)

    @Argument(help: "The earlier run (id or date).")
    var runA: String?

    @Argument(help: "The later run (id or date; default: the last run).")
    var runB: String?

    @Option(name: .long, help: "Warehouse file (default: warehouse/omsorg.sqlite).")
    var warehouse: String = Pipeline.defaultWarehouse

    @Option(name: .long, help: "Only this indicator (repeat for several).")
    var indicator: [String] = []

    @Option(name: .long, help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    @Option(name: .long, help: "Exit 5 when a value is revised by more than this fraction (0.05: 5 %).")
    var maxRevision: Double?

    func run() throws {
        let queue = try openWarehouseForReading(warehouse)
        for spec in [runA, runB].compactMap({ $0 }) where !Vintages.isValidSpec(spec) {
            eprint("error: \"\(spec)\": expected a run id (42) or a date (2025-04-01)"); throw Exit.usage
        }
        do {
            let (columns, rows, header) = try queue.read { db -> ([String], [[DatabaseValue]], String) in
                let successful = try Int64.fetchAll(db, sql: "SELECT run_id FROM etl_run WHERE status IN ('success', 'rejects_over_limit') ORDER BY run_id DESC LIMIT 2")
                let specB = runB ?? successful.first.map(String.init)
                let specA = runA ?? (runB == nil && successful.count > 1 ? String(successful[1]) : nil)
                func publication(_ spec: String?, _ name: String) throws -> Int64 {
                    guard let spec else { return 0 }
                    guard let run = try Vintages.resolve(db, asOf: spec) else {
                        // An explicit run before any publication is an error; the default is the empty state.
                        if (name == "RUN_A" ? runA : runB) != nil { throw DiffRefused(message: "nothing had been published as of \(spec)") }
                        return 0
                    }
                    return run
                }
                let a = try publication(specA, "RUN_A"), b = try publication(specB, "RUN_B")
                var sql = "SELECT * FROM (\(Vintages.diffSQL(from: a, to: b)))"
                var args: [String] = []
                if !indicator.isEmpty {
                    sql += " WHERE indicator IN (\(indicator.map { _ in "?" }.joined(separator: ",")))"
                    args = indicator
                }
                let stmt = try db.makeStatement(sql: sql)
                stmt.arguments = StatementArguments(args)
                let rows = try Row.fetchAll(stmt).map { Array($0.databaseValues) }
                func hash(_ r: Int64) throws -> String { try String.fetchOne(db, sql: "SELECT substr(hash, 1, 12) FROM etl_vintage WHERE run_id = ?", arguments: [r]) ?? "empty" }
                let header = "changes from \(specA.map { "run \($0)" } ?? "nothing") (publication \(a), \(try hash(a))) to run \(specB ?? "-") (publication \(b), \(try hash(b)))"
                return (stmt.columnNames, rows, header)
            }
            if format == .table { eprint(header) }
            render(columns: columns, rows: rows, format: format)
            if let maxRevision {
                let change = columns.firstIndex(of: "change")!, old = columns.firstIndex(of: "old_value")!, new = columns.firstIndex(of: "new_value")!
                let over = rows.filter { r in
                    r[change] == "revised".databaseValue
                        && RevisionSummary.exceeds(old: Double.fromDatabaseValue(r[old]), new: Double.fromDatabaseValue(r[new]), threshold: maxRevision)
                }
                if !over.isEmpty {
                    eprint("error: \(over.count) value\(over.count == 1 ? "" : "s") revised by more than \(percent(maxRevision)) (exit status 5)")
                    throw Exit.revision
                }
            }
        } catch let e as DiffRefused {
            eprint("\(warehouse): error: \(e.message)"); throw Exit.usage
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
        }
    }

    struct DiffRefused: Error { var message: String }
}

func percent(_ fraction: Double) -> String {
    let p = fraction * 100
    return (p == p.rounded() ? String(Int(p)) : String(format: "%.2g", p)) + " %"
}

/// After `etl run --max-revision`: the revisions the run published above the threshold, listed
/// on standard error (the first 20); returns how many there are. A run that changed nothing has none.
func revisionsAbove(_ threshold: Double, summary: RunSummary, warehouse: String, quiet: Bool) -> Int {
    guard summary.changes != nil, let runId = summary.runId, let queue = try? Warehouse.openReadOnly(path: warehouse) else { return 0 }
    defer { try? queue.close() }
    let rows = (try? queue.read { db in
        try Row.fetchAll(db, sql: """
            SELECT indicator, region, year, breakdown, old_value, new_value, relative_change FROM etl_change
            WHERE run_id = ? AND change = 'revised' ORDER BY relative_change IS NOT NULL, abs(relative_change) DESC, indicator, region, year
            """, arguments: [runId])
    }) ?? []
    let over = rows.filter { RevisionSummary.exceeds(old: $0["old_value"], new: $0["new_value"], threshold: threshold) }
    guard !over.isEmpty else { return 0 }
    for r in over.prefix(20) where !quiet {
        let rel: Double? = r["relative_change"]
        let breakdown: String = r["breakdown"]
        eprint("  \(r["indicator"] as String) \(r["region"] as String) \(r["year"] as Int)\(breakdown.isEmpty ? "" : " [\(breakdown)]"): "
               + "\(r["old_value"] as Double) → \(r["new_value"] as Double) (\(rel.map { String(format: "%+.1f %%", $0 * 100) } ?? "from zero"))")
    }
    if over.count > 20 && !quiet { eprint("  … and \(over.count - 20) more: etl diff --format csv") }
    eprint("error: \(over.count) value\(over.count == 1 ? "" : "s") revised by more than \(percent(threshold)) (--max-revision); published, run \(runId) (exit status 5)")
    return over.count
}

/// `etl rerun --as-of`: rebuilds a past publication into a new warehouse file and checks
/// that its content hash is the one published then.
func rerunAsOf(_ spec: String, pipeline: String, common: CommonRunOptions, catalog: String?, output: String?) throws {
    let warehousePath: String
    do { warehousePath = try common.warehouse ?? Pipeline.load(path: pipeline, checkFiles: false).warehousePath }
    catch let e as DefinitionError { for p in e.problems { eprint(errorLine(p)) }; throw Exit.usage }
    let target = output ?? AsOfRebuild.defaultOutput(warehousePath: warehousePath, spec: spec)
    let prepared: AsOfRebuild.Prepared
    do { prepared = try AsOfRebuild.prepare(warehousePath: warehousePath, spec: spec, output: target) }
    catch let e as WarehouseRefusal { eprint(e.description); throw ExitCode(e.exitStatus) }
    catch { eprint(errorLine("\(error)")); throw Exit.failure }
    let opts = RunOptions(pipelinePath: pipeline, warehouse: prepared.output, structureYear: prepared.structureYear, catalogPath: catalog,
                          maxRejects: common.maxRejects, command: "rerun")
    try execute(options: opts, common: common, rerunOnly: true)
    let hash = try AsOfRebuild.latestHash(warehousePath: prepared.output) ?? ""
    if hash != prepared.hash {
        eprint("error: the state rebuilt in \(prepared.output) (hash \(hash.prefix(12))) differs from what run \(prepared.runId) published (hash \(prepared.hash.prefix(12))); has the pipeline, the catalogue or the derivation changed since?")
        throw Exit.failure
    }
    if !common.quiet {
        eprint("rebuilt the state published by run \(prepared.runId) into \(prepared.output): hash \(hash.prefix(12)), identical")
    }
}
