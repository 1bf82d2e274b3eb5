import Crypto
import Foundation
import GRDB
import Transform
import Warehouse

extension Runner {
    /// Records what this run publishes as a vintage (see `Vintages.publish`): its changes
    /// against the previous publication, each indicator's sources, and its content hash.
    static func publishVintage(_ db: Database, runId: Int64, structureYear: Int, pipeline: Pipeline, carryOver: Bool) throws
        -> RevisionSummary
    {
        var sources: [String: String] = [:]
        for def in pipeline.indicators {
            sources[def.code] = Set(def.measures.compactMap { pipeline.definition.measures[$0]?.source }).sorted().joined(separator: ",")
        }
        var hasher = SHA256()
        return try Vintages.publish(
            db, runId: runId, structureYear: structureYear, indicatorSources: sources, carryOver: carryOver,
            hashRow: { hasher.update(data: $0) },
            hashFinish: { hasher.finalize().map { String(format: "%02x", $0) }.joined() })
    }
}

/// `etl rerun --as-of`: a copy of the warehouse whose staging is stepped back to the source
/// versions of a past publication, to be harmonised again (README, "What changed last night").
public enum AsOfRebuild {
    public struct Prepared: Sendable {
        /// The publication rebuilt, its content hash and structure year.
        public var runId: Int64
        public var hash: String
        public var structureYear: Int
        public var output: String
    }

    /// The default file for a rebuild of publication `runId`: beside the warehouse.
    public static func defaultOutput(warehousePath: String, spec: String) -> String {
        let dir = (warehousePath as NSString).deletingLastPathComponent
        let base = ((warehousePath as NSString).lastPathComponent as NSString).deletingPathExtension
        let safe = spec.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        return (dir.isEmpty ? "" : dir + "/") + "\(base)-as-of-\(String(safe)).sqlite"
    }

    /// Copies the warehouse to `output` (which must not exist) and steps the copy's staging
    /// back to the publication in force at `spec` (a run id or a date). Refused with exit
    /// status 2 when nothing had been published then or `output` exists.
    public static func prepare(warehousePath: String, spec: String, output: String) throws -> Prepared {
        guard Vintages.isValidSpec(spec) else {
            throw PipelineError.refused("error: --as-of \"\(spec)\": expected a run id (42) or a date (2025-04-01)")
        }
        if FileManager.default.fileExists(atPath: output) {
            throw PipelineError.refused("\(output): error: the file exists; give --output a new file for the rebuilt state")
        }
        let source = try Warehouse.openReadOnly(path: warehousePath)
        defer { try? source.close() }
        let found: (Int64, String, Int)? = try source.read { db in
            guard let run = try Vintages.resolve(db, asOf: spec),
                let v = try Warehouse.vintage(db, run: run)
            else { return nil }
            return (run, v.hash, v.structureYear)
        }
        guard let (runId, hash, year) = found else {
            throw PipelineError.refused(
                "\(warehousePath): error: nothing had been published as of \(spec); `etl query --sql \"SELECT * FROM v_vintage\"` lists the publications"
            )
        }
        let dir = (output as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        do {
            let copy = try DatabaseQueue(path: output)
            try source.backup(to: copy)
            try copy.write { db in try Vintages.restoreStaging(db, asOf: runId) }
            try copy.close()
        } catch {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(output + suffix) }
            throw error
        }
        return Prepared(runId: runId, hash: hash, structureYear: year, output: output)
    }

    /// The content hash of the newest publication in a warehouse.
    public static func latestHash(warehousePath: String) throws -> String? {
        let q = try Warehouse.openReadOnly(path: warehousePath)
        defer { try? q.close() }
        return try q.read { try Warehouse.latestVintage($0)?["hash"] }
    }
}
