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
        for spec in [runA, runB].compactMap({ $0 }) where !PublicationDiff.isValidSpec(spec) {
            eprint("error: \"\(spec)\": expected a run id (42) or a date (2025-04-01)"); throw Exit.usage
        }
        let outcome: PublicationDiff.Outcome
        do {
            outcome = try queue.read { db in try PublicationDiff.compare(db, runA: runA, runB: runB, indicators: indicator) }
        } catch PipelineError.refused(let message) {
            eprint("\(warehouse): error: \(message)"); throw Exit.usage
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
        }
        if format == .table { eprint(outcome.header) }
        render(columns: outcome.columns, rows: outcome.rows, format: format)
        if let maxRevision {
            let over = PublicationDiff.revisionsAbove(maxRevision, in: outcome)
            if over > 0 {
                eprint("error: \(over) value\(over == 1 ? "" : "s") revised by more than \(percent(maxRevision)) (exit status 5)")
                throw Exit.revision
            }
        }
    }
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
    let over = (try? queue.read { db in try PublicationDiff.revisions(db, run: runId, above: threshold) }) ?? []
    guard !over.isEmpty else { return 0 }
    for r in over.prefix(20) where !quiet {
        let rel: Double? = r["relative_change"]
        let breakdown: String = r["breakdown"]
        eprint(
            "  \(r["indicator"] as String) \(r["region"] as String) \(r["year"] as Int)\(breakdown.isEmpty ? "" : " [\(breakdown)]"): "
                + "\(r["old_value"] as Double) → \(r["new_value"] as Double) (\(rel.map { String(format: "%+.1f %%", $0 * 100) } ?? "from zero"))"
        )
    }
    if over.count > 20 && !quiet { eprint("  … and \(over.count - 20) more: etl diff --format csv") }
    eprint(
        "error: \(over.count) value\(over.count == 1 ? "" : "s") revised by more than \(percent(threshold)) (--max-revision); published, run \(runId) (exit status 5)"
    )
    return over.count
}

/// `etl rerun --as-of`: rebuilds a past publication into a new warehouse file and checks
/// that its content hash is the one published then.
func rerunAsOf(_ spec: String, pipeline: String, common: CommonRunOptions, catalog: String?, output: String?) throws {
    // A definition error, a refusal or a failure goes to `report`, which prints it and ends with its status.
    let definition = try Pipeline.load(path: pipeline, checkFiles: false)
    let warehousePath = common.warehouse ?? definition.warehousePath
    let target = output ?? AsOfRebuild.defaultOutput(warehousePath: warehousePath, spec: spec)
    let prepared = try AsOfRebuild.prepare(warehousePath: warehousePath, spec: spec, output: target)
    // The structure the state was published in: its year, or stable units (which a year given
    // here would override).
    let stable = definition.definition.harmonisation?.structure_year == .stable
    let opts = RunOptions(
        pipelinePath: pipeline, warehouse: prepared.output, structureYear: stable ? nil : prepared.structureYear, catalogPath: catalog,
        maxRejects: common.maxRejects, command: "rerun")
    try execute(options: opts, common: common, rerunOnly: true)
    let (hash, identical) = try PastState.check(prepared)
    if !identical {
        eprint(
            "error: the state rebuilt in \(prepared.output) (hash \(hash.prefix(12))) differs from what run \(prepared.runId) published (hash \(prepared.hash.prefix(12))); has the pipeline, the catalogue or the derivation changed since?"
        )
        throw Exit.failure
    }
    if !common.quiet {
        eprint("rebuilt the state published by run \(prepared.runId) into \(prepared.output): hash \(hash.prefix(12)), identical")
    }
}
