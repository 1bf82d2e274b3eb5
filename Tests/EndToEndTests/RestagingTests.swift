import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

// Behaviour suite (in process): a changed source is restaged in place when its rows come in
// the table's key order, and staged afresh when they do not (docs/ARCHITECTURE.md,
// "Restaging a changed source"). Either way the warehouse must end exactly as a full refresh
// leaves it: the same publication, changes, staged rows, source versions and rejects.

@Suite(.serialized) struct RestagingTests {
    static let kostra = "pipelines/sample/12209_kostra_nokkeltall.csv"
    static let population = "pipelines/sample/06913_befolkning.csv"
    static let kpr = "pipelines/sample/12752_kpr_langtidsbeboere.json"

    /// Rewrites an ISO-8859-1, CRLF sample CSV: `change` gets the data lines (the title and
    /// header lines, up to the one naming `"region"`, are kept).
    func rewriteCSV(_ dir: URL, _ path: String, _ change: ([String]) -> [String]) throws {
        let url = dir.appendingPathComponent(path)
        let text = String(data: try Data(contentsOf: url), encoding: .isoLatin1)!
        var lines = text.components(separatedBy: "\r\n")
        let trailing = lines.last == "" ? lines.removeLast() : nil
        let headerEnd = lines.firstIndex { $0.hasPrefix("\"region\"") }! + 1
        let header = Array(lines[..<headerEnd])
        lines = header + change(Array(lines[headerEnd...])) + (trailing.map { [$0] } ?? [])
        try lines.joined(separator: "\r\n").data(using: .isoLatin1)!.write(to: url)
    }

    /// Sets the value of a line `"region";"year";"measure";value` (decimal comma).
    func revise(_ line: String, to value: String) -> String {
        var parts = line.components(separatedBy: ";")
        parts[parts.count - 1] = value
        return parts.joined(separator: ";")
    }

    /// Everything a run leaves that restaging could change, as lines: the publication
    /// (scripts/fingerprint.sql), the run's changes, the staged rows, the source versions and
    /// cells, and the rejects.
    func state(_ warehouse: URL, run: Int64) throws -> [String: [String]] {
        try openWarehouse(warehouse).read { db in
            func lines(_ sql: String) throws -> [String] { try String.fetchAll(db, sql: sql) }
            return [
                "publication": try lines(FingerprintTests.query),
                "changes": try lines(
                    """
                    SELECT indicator || '|' || region || '|' || year || '|' || breakdown || '|' || change || '|' || quote(old_value) || '|'
                           || quote(new_value) || '|' || quote(old_status) || '|' || quote(new_status) || '|' || ifnull(sources, '')
                    FROM v_change WHERE run_id = \(run) ORDER BY 1
                    """),
                "staged": try lines(
                    """
                    SELECT s.source_id || '|' || m.code || '|' || o.region || '|' || o.period || '|' || o.breakdown || '|' || quote(o.value)
                           || '|' || quote(o.status) || '|' || o.in_validity || '|' || quote(o.line) || '|' || quote(o.col) || '|' || quote(o.path)
                    FROM stg_observation o JOIN stg_measure m USING (measure_key) JOIN dim_source s ON s.source_key = o.source_key ORDER BY 1
                    """),
                "sources": try lines(
                    """
                    SELECT source_id || '|' || content_hash || '|' || observations || '|' || rejected || '|' || out_of_validity || '|' || special
                           || '|' || ifnull(title, '') || '|' || ifnull(dialect, '') || '|' || ifnull(updated, '') || '|' || ifnull(notes, '')
                    FROM dim_source ORDER BY 1
                    """),
                "labels": try lines(
                    "SELECT s.source_id || '|' || l.dimension || '|' || l.code || '|' || l.label FROM stg_label l JOIN dim_source s USING (source_key) ORDER BY 1"
                ),
                "versions": try lines(
                    """
                    SELECT source_id || '|' || version || '|' || content_hash || '|' || run_id || '|' || observations || '|' || cells_added
                           || '|' || cells_removed || '|' || cells_revised
                    FROM etl_source_version ORDER BY 1
                    """),
                "cells": try lines(
                    """
                    SELECT source_id || '|' || version || '|' || measure || '|' || region || '|' || period || '|' || breakdown || '|' || change
                           || '|' || quote(value) || '|' || quote(status) || '|' || quote(in_validity) || '|' || quote(line) || '|' || quote(col)
                           || '|' || quote(path) || '|' || quote(new_value) || '|' || quote(new_status)
                    FROM etl_source_cell ORDER BY 1
                    """),
                "rejects": try lines(
                    "SELECT source_id || '|' || location || '|' || error || '|' || ifnull(raw, '') FROM etl_reject WHERE run_id = \(run) ORDER BY 1"
                )
            ]
        }
    }

    /// Runs the sample, changes its files, and runs it again twice from the same warehouse:
    /// incrementally and as a full refresh. Returns the incremental run's summary after
    /// checking that both runs leave the same warehouse.
    func compareWithFullRefresh(_ change: (URL) throws -> Void) throws -> RunSummary {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pipeline = dir.appendingPathComponent("pipelines/sample.yml").path
        let incremental = dir.appendingPathComponent("a/w.sqlite"), refreshed = dir.appendingPathComponent("b/w.sqlite")
        let first = try Runner(options: RunOptions(pipelinePath: pipeline, warehouse: incremental.path)).run()
        #expect(first.status == .success)
        try FileManager.default.createDirectory(at: refreshed.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: incremental, to: refreshed)
        try change(dir)
        let a = try Runner(options: RunOptions(pipelinePath: pipeline, warehouse: incremental.path)).run()
        let b = try Runner(options: RunOptions(pipelinePath: pipeline, warehouse: refreshed.path, fullRefresh: true)).run()
        #expect(a.status == b.status)
        #expect(a.runId == b.runId)
        let x = try state(incremental, run: a.runId!), y = try state(refreshed, run: b.runId!)
        for (name, lines) in x.sorted(by: { $0.key < $1.key }) {
            let other = y[name]!
            let missing = Set(other).subtracting(lines).sorted().prefix(5), extra = Set(lines).subtracting(other).sorted().prefix(5)
            #expect(
                lines.count == other.count && missing.isEmpty && extra.isEmpty,
                "\(name): \(lines.count) lines in place, \(other.count) after a full refresh; only after the refresh: \(Array(missing)); only in place: \(Array(extra))"
            )
        }
        #expect(x["changes"]!.count > 0, "the change made no difference to the publication")
        return a
    }

    func detail(_ summary: RunSummary, source: String) -> String {
        summary.steps.first { $0.step == "stage \(source)" }?.detail ?? ""
    }

    /// Revised values, a value turned into a symbol, a cell removed and a cell added: the
    /// KOSTRA table (one block of lines per region) is restaged in place and ends as a full refresh leaves it.
    @Test func aRevisedTableIsRestagedInPlaceAndEndsAsAFullRefresh() throws {
        let summary = try compareWithFullRefresh { dir in
            try rewriteCSV(dir, Self.kostra) { lines in
                var out: [String] = []
                for (i, line) in lines.enumerated() {
                    if line.isEmpty { out.append(line); continue }
                    if i == 40 { continue } // a cell the new version lacks
                    if i % 17 == 0 { out.append(revise(line, to: "77,7")); continue }
                    if i == 55 { out.append(revise(line, to: "..")); continue }
                    out.append(line)
                }
                return out
            }
        }
        let kostra = detail(summary, source: "kostra_12209")
        #expect(kostra.contains("restaged in place"), "\(kostra)")
        #expect(kostra.contains(" 1 removed"), "\(kostra)")
    }

    /// The population table with its lines reversed (regions in another order, each line in
    /// another place) and some values revised: still one block per region, so it is restaged
    /// in place, the moved cells updated, and it ends as a full refresh leaves it.
    @Test func aTableInAnotherRegionOrderIsRestagedInPlace() throws {
        let summary = try compareWithFullRefresh { dir in
            try rewriteCSV(dir, Self.population) { lines in
                lines.filter { !$0.isEmpty }.enumerated().map { i, line in i % 13 == 0 ? revise(line, to: "1234") : line }.reversed()
            }
        }
        let population = detail(summary, source: "bef_06913")
        #expect(population.contains("restaged in place") && !population.contains(" 0 moved"), "\(population)")
    }

    /// The population table ordered by year first: a region comes in several places, so it
    /// cannot be walked region by region; it is staged afresh, with the same result.
    @Test func aTableOrderedByYearFirstIsStagedAfreshWithTheSameResult() throws {
        let summary = try compareWithFullRefresh { dir in
            try rewriteCSV(dir, Self.population) { lines in
                let data = lines.filter { !$0.isEmpty }.enumerated().map { i, line in i % 13 == 0 ? revise(line, to: "1234") : line }
                return data.sorted { $0.components(separatedBy: ";")[1] < $1.components(separatedBy: ";")[1] }
            }
        }
        let population = detail(summary, source: "bef_06913")
        #expect(!population.contains("restaged in place"), "\(population)")
        #expect(summary.steps.contains { $0.step == "stage bef_06913" && $0.status == "ok" })
    }

    /// A cell twice in the new version is refused as a duplicate, as a full refresh refuses it
    /// (the walk gives way to staging afresh, which finds and records duplicates).
    @Test func aDuplicateCellInTheNewVersionIsRejectedAsAFullRefreshRejectsIt() throws {
        let summary = try compareWithFullRefresh { dir in
            try rewriteCSV(dir, Self.kostra) { lines in
                var out = lines
                out.insert(revise(lines[30], to: "12,5"), at: 31)
                out[10] = revise(out[10], to: "99,9")
                return out
            }
        }
        #expect(summary.rejected == 1)
        #expect(!detail(summary, source: "kostra_12209").contains("restaged in place"))
    }

    /// A JSON-stat source revised: whichever way it is staged, the result is a full refresh's.
    @Test func aRevisedJSONStatSourceEndsAsAFullRefresh() throws {
        let summary = try compareWithFullRefresh { dir in
            let url = dir.appendingPathComponent(Self.kpr)
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var values = json["value"] as! [Any]
            for i in stride(from: 0, to: values.count, by: 11) where values[i] is NSNumber {
                values[i] = (values[i] as! NSNumber).doubleValue + 3
            }
            json["value"] = values
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        let kpr = detail(summary, source: "kpr_12752")
        #expect(kpr.contains("restaged in place"), "\(kpr)")
    }
}
