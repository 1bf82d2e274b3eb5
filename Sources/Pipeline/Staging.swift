import Crypto
import Foundation
import GRDB
import Ingest
import Transform
import Warehouse

/// The SHA-256 of a file, read in chunks.
public func contentHash(path: String) throws -> String {
    var h = SHA256()
    let f = try ChunkedFile(path: path)
    try f.forEachChunk { h.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    return h.finalize().map { String(format: "%02x", $0) }.joined()
}

public func sha256(_ data: [Data]) -> String {
    var h = SHA256()
    for d in data { h.update(data: d) }
    return h.finalize().map { String(format: "%02x", $0) }.joined()
}

/// Turns a reader's cells into staged observations: finds the region, period and measure
/// dimensions, checks each cell, stages it, and records every rejected row.
struct StagingSink: CellSink {
    let db: Database
    let runId: Int64
    let sourceId: String
    let writer: StagingWriter
    let regions: RegionCatalog
    let roleOverrides: [String: DimensionRole]
    let backcast: Bool
    let maxYear: Int
    var geo = 0, time = 0, metric: Int? = nil
    var others: [(index: Int, id: String)] = []
    var staged = 0
    var rejected = 0
    var outOfValidity = 0
    var schemas: [DatasetSchema] = []
    var progress: ((Int) -> Void)? = nil
    /// Validity verdicts per (code, year), cached: the same pairs repeat across measures.
    var validityCache: [ValidityKey: Bool] = [:]
    struct ValidityKey: Hashable { var region: String; var year: Int }

    init(db: Database, runId: Int64, sourceId: String, writer: StagingWriter, regions: RegionCatalog, roleOverrides: [String: DimensionRole], backcast: Bool) {
        self.db = db
        self.runId = runId
        self.sourceId = sourceId
        self.writer = writer
        self.regions = regions
        self.roleOverrides = roleOverrides
        self.backcast = backcast
        self.maxYear = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
    }

    mutating func begin(_ schema: DatasetSchema) throws {
        var dims = schema.dimensions
        for i in dims.indices { if let r = roleOverrides[dims[i].id] { dims[i].role = r } }
        let ids = dims.map(\.id).joined(separator: ", ")
        guard let g = dims.firstIndex(where: { $0.role == .geo }) else {
            throw ReadError(SourceLocation(file: sourceId), "no region dimension among [\(ids)]; declare one with `dimensions: {NAME: geo}`")
        }
        guard let t = dims.firstIndex(where: { $0.role == .time }) else {
            throw ReadError(SourceLocation(file: sourceId), "no time dimension among [\(ids)]; declare one with `dimensions: {NAME: time}`")
        }
        geo = g
        time = t
        metric = dims.firstIndex { $0.role == .metric }
        // A second geo dimension (14216's TettSted) is a breakdown, not a region.
        // SDMX's FREQ says how often a series is published, not what it breaks down.
        others = dims.indices.filter { $0 != g && $0 != t && $0 != metric && dims[$0].id != "FREQ" }.map { ($0, dims[$0].id) }.sorted { $0.id < $1.id }
    }

    mutating func end(_ schema: DatasetSchema) throws {
        schemas.append(schema)
    }

    mutating func reject(_ error: ReadError, raw: String) throws {
        rejected += 1
        try Warehouse.reject(db, runId: runId, sourceId: sourceId, location: error.location.description, error: error.message, raw: raw)
    }

    mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        let region = cell.coordinates[geo]
        let period = cell.coordinates[time]
        let level = RegionLevel.of(region)
        if level == .annet {
            try reject(ReadError(cell.location, "unknown region code \"\(region)\": expected a 4-digit kommune number, K-nnnn, a 2-digit fylke, EAK, EKAnn or EKGnn"), raw: cell.coordinates.joined(separator: ";"))
            return
        }
        guard period.count >= 4, let year = Int(period.prefix(4)), (1800...2200).contains(year) else {
            try reject(ReadError(cell.location, "period \"\(period)\" is not a year (expected YYYY)"), raw: cell.coordinates.joined(separator: ";"))
            return
        }
        if year > maxYear {
            try reject(ReadError(cell.location, "year \(year) is in the future"), raw: cell.coordinates.joined(separator: ";"))
            return
        }
        if let v = cell.value, !v.isFinite {
            try reject(ReadError(cell.location, "value is not a finite number"), raw: cell.coordinates.joined(separator: ";"))
            return
        }
        var breakdown = ""
        if !others.isEmpty {
            breakdown = others.map { "\($0.id)=\(cell.coordinates[$0.index])" }.joined(separator: ";")
        }
        var inValidity = true
        if level == .kommune && !region.hasPrefix("K-") {
            let key = ValidityKey(region: region, year: year)
            if let v = validityCache[key] { inValidity = v } else {
                inValidity = regions.isValid(region, in: year)
                validityCache[key] = inValidity
            }
            // The catalogue names only codes that changed; an unknown code must at least
            // belong to a county of its year (9999 does not: county 99 never existed).
            if !regions.isKnown(region) && !Counties.countyExists(forKommune: region, in: year) {
                try reject(ReadError(cell.location, "unknown region code \"\(region)\": no county \(region.prefix(2)) existed in \(year), so no municipality had this number"),
                           raw: cell.coordinates.joined(separator: ";"))
                return
            }
        }
        var stagedRegion = region
        if !inValidity && backcast && cell.value != nil { stagedRegion = "K-\(region)"; inValidity = true }
        if !inValidity { outOfValidity += 1 }
        var status = cell.status
        if cell.value == nil && status == nil { status = ".." }
        let measure = metric.map { cell.coordinates[$0] } ?? "value"
        if try writer.insert(measure: measure, region: stagedRegion, period: period.count == 4 ? period : String(year), breakdown: breakdown,
                             value: cell.value, status: status, inValidity: inValidity,
                             line: cell.location.line, column: cell.location.column, path: cell.location.path) {
            staged += 1
            if staged % 50_000 == 0 { progress?(staged) }
        } else {
            try reject(ReadError(cell.location, "duplicate cell: \(region) \(period) \(measure)\(breakdown.isEmpty ? "" : " [\(breakdown)]") appears earlier in the file"),
                       raw: cell.coordinates.joined(separator: ";"))
        }
    }
}
