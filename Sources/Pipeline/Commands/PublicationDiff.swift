import Foundation
import GRDB
import Transform
import Warehouse

/// `etl diff`: which published values differ between two publications (README, "What changed
/// last night"). The command line parses the arguments and prints the rows; this decides which
/// publications are compared and gives the rows back.
public enum PublicationDiff {
    /// The two publications compared and the rows that differ.
    public struct Outcome: Sendable {
        /// The columns of `v_change` the rows carry (indicator, …, change, old_value, new_value, …).
        public var columns: [String]
        public var rows: [[DatabaseValue]]
        /// The publications compared: the earlier (0 for the empty state) and the later.
        public var from: Int64
        public var to: Int64
        /// One line naming the two runs and their publications' short content hashes.
        public var header: String
    }

    /// Whether a run or date given on the command line has the expected form (`42`, `2025-04-01`).
    public static func isValidSpec(_ spec: String) -> Bool { Vintages.isValidSpec(spec) }

    /// Compares the publication in force at `runB` (default: the last publishing run) with the
    /// one at `runA` (default: the publishing run before it, else nothing); only `indicators`
    /// when some are given. A run or date at which nothing had been published throws
    /// `PipelineError.refused`.
    public static func compare(_ db: Database, runA: String?, runB: String?, indicators: [String] = []) throws -> Outcome {
        let successful = try Warehouse.publishingRuns(db, limit: 2)
        var specB: String? = runB
        if specB == nil, let last = successful.first { specB = String(last) }
        var specA: String? = runA
        if specA == nil && runB == nil && successful.count > 1 { specA = String(successful[1]) }
        let a = try publication(db, spec: specA, explicit: runA != nil)
        let b = try publication(db, spec: specB, explicit: runB != nil)
        let changes = try Warehouse.changes(db, from: a, to: b, indicators: indicators)
        let rows: [[DatabaseValue]] = changes.rows.map { Array($0.databaseValues) }
        let hashA = try Warehouse.shortVintageHash(db, run: a), hashB = try Warehouse.shortVintageHash(db, run: b)
        let from = specA.map { "run " + $0 } ?? "nothing"
        let header = "changes from \(from) (publication \(a), \(hashA)) to run \(specB ?? "-") (publication \(b), \(hashB))"
        return Outcome(columns: changes.columns, rows: rows, from: a, to: b, header: header)
    }

    /// The publication in force at a run or date; 0 (the empty state) for the default before
    /// the first run, `PipelineError.refused` for a run or date the user gave.
    static func publication(_ db: Database, spec: String?, explicit: Bool) throws -> Int64 {
        guard let spec else { return 0 }
        if let run = try Vintages.resolve(db, asOf: spec) { return run }
        if explicit { throw PipelineError.refused("nothing had been published as of \(spec)") }
        return 0
    }

    /// How many rows are revisions of one number to another beyond `threshold` (a fraction of
    /// the old value, as `--max-revision`).
    public static func revisionsAbove(_ threshold: Double, in outcome: Outcome) -> Int {
        let columns = outcome.columns, rows = outcome.rows
        guard let change = columns.firstIndex(of: "change"), let old = columns.firstIndex(of: "old_value"),
            let new = columns.firstIndex(of: "new_value")
        else { return 0 }
        var n = 0
        for i in rows.indices {
            let kind = String.fromDatabaseValue(rows[i][change]) ?? ""
            let o = number(rows[i][old]), v = number(rows[i][new])
            if kind == "revised" && RevisionSummary.exceeds(old: o, new: v, threshold: threshold) { n += 1 }
        }
        return n
    }

    /// A value as a number (nil for NULL and text).
    static func number(_ v: DatabaseValue) -> Double? {
        switch v.storage {
        case .double(let d): return d
        case .int64(let i): return Double(i)
        default: return nil
        }
    }

    /// After `etl run --max-revision`: the values run `runId` revised by more than `threshold`,
    /// in the order `Warehouse.revisions` gives them (indicator, region, year, breakdown,
    /// old_value, new_value, relative_change).
    public static func revisions(_ db: Database, run runId: Int64, above threshold: Double) throws -> [Row] {
        try Warehouse.revisions(db, run: runId).filter {
            RevisionSummary.exceeds(old: $0["old_value"], new: $0["new_value"], threshold: threshold)
        }
    }
}
