import Foundation
import GRDB
import Ingest
import Transform
import Warehouse

/// What staging one source needs to know, whichever way it is staged.
struct StagingContext {
    let source: SourceDefinition
    let path: String
    let format: SourceFormat
    let record: Warehouse.SourceRecord
    let runId: Int64
    let regions: RegionCatalog
    let capture: [Selection]?
    let sumDuplicates: Bool
}

/// A source staged: its key, what was read, and what the writer kept.
struct StagedSource {
    let key: Int64
    let outcome: ReadOutcome
    /// Rows the source now has staged, and duplicate cells refused.
    let rows: Int
    let duplicates: Int
    let captured: [String: [StagedRow]]?
    /// Staged afresh: the previous version's key, set aside to be compared in SQL.
    var previous: Int64? = nil
    /// Restaged in place: what changed, and the version recorded (nil: the same content).
    var restaged: (added: Int, removed: Int, revised: Int, moved: Int)? = nil
    var version: (number: Int64, recordCells: Bool)? = nil
}

extension Runner {
    /// Restages a source the warehouse holds, in place: only rows that differ are written
    /// (docs/ARCHITECTURE.md, "Restaging a changed source"). Throws what
    /// `StagingWriter.isOutOfOrder` recognises when the rows are not in the table's key order;
    /// the caller's savepoint then undoes everything written here.
    func restage(_ db: Database, _ c: StagingContext, key: Int64) throws -> StagedSource {
        let version = try Vintages.nextVersion(db, sourceId: c.source.id, hash: c.record.contentHash)
        try Warehouse.refreshSource(db, key: key, c.record, runId: c.runId)
        let writer = try StagingWriter.restaging(
            db, sourceKey: key, version: version.flatMap { $0.recordCells ? (c.source.id, $0.number) : nil })
        defer { writer.close() }
        let outcome = try read(db, c, into: writer)
        try writer.finish()
        var staged = StagedSource(
            key: key, outcome: outcome, rows: writer.inserted, duplicates: writer.duplicates, captured: writer.takeCaptured())
        staged.restaged = writer.restaged
        staged.version = version
        return staged
    }

    /// Stages a source afresh: its previous version (if any) is set aside under another id, to
    /// be compared with the new one and dropped when the version is recorded.
    func stageAfresh(_ db: Database, _ c: StagingContext) throws -> StagedSource {
        let previous = try Vintages.setAside(db, sourceId: c.source.id)
        let key = try Warehouse.replaceSource(db, c.record, runId: c.runId)
        let writer = try StagingWriter(db, sourceKey: key, sumDuplicates: c.sumDuplicates)
        defer { writer.close() }
        let s = c.source
        writer.onDuplicate = { [db] row in
            let breakdown = row.breakdown.isEmpty ? "" : " [\(row.breakdown)]"
            try Warehouse.reject(
                db, runId: c.runId, sourceId: s.id, location: row.location.description,
                error: "duplicate cell: \(row.region) \(row.period) \(row.measure)\(breakdown) appears earlier in the file",
                raw: ([row.region, row.period, row.measure] + (row.breakdown.isEmpty ? [] : [row.breakdown])).joined(separator: ";"))
        }
        let outcome = try read(db, c, into: writer)
        var staged = StagedSource(
            key: key, outcome: outcome, rows: writer.inserted, duplicates: writer.duplicates, captured: writer.takeCaptured())
        staged.previous = previous
        return staged
    }

    /// Reads a source's file on its own thread into `writer`; a reader's refusal fails the run.
    private func read(_ db: Database, _ c: StagingContext, into writer: StagingWriter) throws -> ReadOutcome {
        let s = c.source
        if let selections = c.capture { writer.capture = { code in selections.contains { $0.matches(code) } } }
        let sink = StagingSink(
            sourceId: s.id, regions: c.regions, roleOverrides: s.dimensions ?? [:], backcast: s.backcast ?? false,
            channel: StagingChannel())
        let observe = self.observe
        do {
            var options = ReaderOptions(source: s, displayName: c.path)
            if c.format == .husbanken || c.format == .csv { options.resolveName = try NameIndex(db: db, regions: c.regions).resolver() }
            let outcome = try stageFile(db: db, runId: c.runId, sourceId: s.id, path: c.path, options: options, sink: sink, writer: writer)
            {
                observe(.progress(step: "staging \(s.id)", rows: $0, done: false))
            }
            if writer.duplicates > 0 && c.format == .csv {
                try fillDuplicateLines(db, runId: c.runId, sourceId: s.id, path: c.path, options: options)
            }
            return outcome
        } catch let e as ReadError {
            throw PipelineError.run(e.location.file == s.id ? "\(c.path): error: \(e.message)" : e.description)
        }
    }
}
