import Foundation
import GRDB
import Warehouse

/// `etl export`: the harmonised indicators as SSB-style long CSV or JSON-stat 2.0, stamped
/// with the publication they come from.
public enum IndicatorExport {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonstat }

    /// What was written: how many values, and the publication (run, content hash) they are of.
    public struct Outcome: Sendable, Equatable {
        public var values: Int
        public var runId: Int64?
        public var hash: String?
    }

    /// Writes the values of `indicators` and `regions` (all when empty) to `output`, from the
    /// latest publication (recorded in the file, and for CSV in `output.vintage.json`).
    public static func write(_ db: Database, format: Format, to output: String, indicators: [String], regions: [String]) throws -> Outcome {
        var opts = Exporter.Options(indicators: indicators, regions: regions)
        if let v = try Warehouse.latestVintage(db) {
            opts.vintageRunId = v["run_id"]; opts.vintageHash = v["hash"]; opts.vintagePublishedAt = v["published_at"]
        }
        let n: Int
        switch format {
        case .csv: n = try Exporter.csv(db, to: output, options: opts)
        case .jsonstat: n = try Exporter.jsonstat(db, to: output, options: opts)
        }
        return Outcome(values: n, runId: opts.vintageRunId, hash: opts.vintageHash)
    }
}
