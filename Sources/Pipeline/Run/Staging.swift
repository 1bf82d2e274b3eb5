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

/// Turns a reader's cells into staged rows and rejects: finds the region, period and measure
/// dimensions and checks each cell. It runs on the reading thread and touches no database:
/// what it makes goes, a batch at a time, through a `StagingChannel` to the thread that
/// writes (see `stageFile`).
struct StagingSink: CellSink, Sendable {
    let sourceId: String
    let regions: RegionCatalog
    let roleOverrides: [String: DimensionRole]
    let backcast: Bool
    let maxYear: Int
    let channel: StagingChannel
    var geo = 0, time = 0, metric: Int? = nil
    var others: [(index: Int, id: String)] = []
    /// Cells handed to the writer (it stages them or finds them duplicates) and rows refused here.
    var handed = 0
    var rejected = 0
    var outOfValidity = 0
    /// Cells of codes that are no kommune of any structure (Svalbard, `9999`, `0716u`): staged, never harmonised.
    var special = 0
    var schemas: [DatasetSchema] = []
    var encoder: StagingEncoder
    /// Validity verdicts per (code, year), cached: the same pairs repeat across measures.
    var validityCache = IdentityCache<CellRules.Verdict>(capacity: 1 << 14)
    /// Reject messages of codes valid in no year, per code and year: the nearest codes are looked up once.
    var neverValidMessages: [String: String] = [:]
    static let opsPerMessage = 4096

    init(sourceId: String, regions: RegionCatalog, roleOverrides: [String: DimensionRole], backcast: Bool, channel: StagingChannel) {
        self.sourceId = sourceId
        self.regions = regions
        self.roleOverrides = roleOverrides
        self.backcast = backcast
        self.channel = channel
        self.maxYear = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        encoder = StagingEncoder(file: sourceId, reserve: StagingSink.opsPerMessage)
    }

    /// Hands the rows made so far to the writing thread; waits while it is behind.
    mutating func send(nextFile: String? = nil) throws {
        guard encoder.count > 0 else { return }
        try channel.send(.batch(encoder.take(nextFile: nextFile)))
    }

    mutating func begin(_ schema: DatasetSchema) throws {
        var dims = schema.dimensions
        for i in dims.indices { if let r = roleOverrides[dims[i].id] { dims[i].role = r } }
        let ids = dims.map(\.id).joined(separator: ", ")
        guard let g = dims.firstIndex(where: { $0.role == .geo }) else {
            throw ReadError(
                SourceLocation(file: sourceId), "no region dimension among [\(ids)]; declare one with `dimensions: {NAME: geo}`")
        }
        guard let t = dims.firstIndex(where: { $0.role == .time }) else {
            throw ReadError(SourceLocation(file: sourceId), "no time dimension among [\(ids)]; declare one with `dimensions: {NAME: time}`")
        }
        geo = g
        time = t
        metric = dims.firstIndex { $0.role == .metric }
        // A second geo dimension (14216's TettSted) is a breakdown, not a region.
        // SDMX's FREQ says how often a series is published, not what it breaks down.
        others = dims.indices.filter { $0 != g && $0 != t && $0 != metric && dims[$0].id != "FREQ" }.map { ($0, dims[$0].id) }.sorted {
            $0.id < $1.id
        }
    }

    mutating func end(_ schema: DatasetSchema) throws {
        schemas.append(schema)
    }

    mutating func reject(_ error: ReadError, raw: String) throws {
        rejected += 1
        encoder.reject(location: error.location.description, error: error.message, raw: raw)
        if encoder.count >= StagingSink.opsPerMessage { try send() }
    }

    mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        try self.cell(cell, schema: schema, original: { cell.coordinates.joined(separator: ";") })
    }

    /// The cell's place, at the column of dimension `d` where the reader knows it (docs/bad-input.md).
    static func location(_ cell: Cell, dimension d: Int, _ schema: DatasetSchema) -> SourceLocation {
        var l = cell.location
        if d < schema.dimensionColumns.count, let c = schema.dimensionColumns[d] { l.column = c }
        return l
    }

    /// Checks a cell and hands it on; a refused cell keeps the row's `original` text in `etl_reject.raw`.
    mutating func cell(_ cell: Cell, schema: DatasetSchema, original: () -> String) throws {
        let region = cell.coordinates[geo]
        let period = cell.coordinates[time]
        var level = RegionLevel.of(region)
        // SSB's grouping codes (`0716u`) are special codes, not malformed ones.
        let grouping =
            level == .annet && regions.register != nil
            && Register.specialKind(region, name: schema.dimensions[geo].categories[region]?.name) != nil
        if grouping { level = .kommune }
        let leading = CellRules.leadingYear(period)
        if let problem = CellRules.shapeProblem(
            region: region, level: level, period: period, year: leading, maxYear: maxYear, value: cell.value)
        {
            let place: SourceLocation
            switch problem {
            case .region: place = StagingSink.location(cell, dimension: geo, schema)
            case .period: place = StagingSink.location(cell, dimension: time, schema)
            case .value: place = cell.location
            }
            try reject(ReadError(place, problem.message), raw: original())
            return
        }
        let year = leading! // shapeProblem refuses a period without a year
        var breakdown = ""
        if !others.isEmpty {
            breakdown = others.map { "\($0.id)=\(cell.coordinates[$0.index])" }.joined(separator: ";")
        }
        var inValidity = true
        var isSpecial = false
        if (level == .kommune && (region.utf8.count == 4 || grouping))
            || (level == .fylke && region.utf8.count == 2 && regions.register != nil)
        { // not K-nnnn
            let verdict: CellRules.Verdict
            if let v = validityCache.value(for: region, year) {
                verdict = v
            } else {
                let label = schema.dimensions[geo].categories[region]
                verdict = CellRules.verdict(region, year: year, level: level, regions: regions, name: label?.name, labelTo: label?.validTo)
                validityCache.store(verdict, for: region, year)
            }
            inValidity = verdict == .valid
            switch verdict {
            case .valid, .outOfValidity: break
            case .special: special += 1; isSpecial = true
            case .noSuchCounty:
                try reject(
                    ReadError(StagingSink.location(cell, dimension: geo, schema), CellRules.noSuchCountyMessage(region, year: year)),
                    raw: original())
                return
            case .neverValid:
                let cacheKey = "\(region)@\(year)"
                let message =
                    neverValidMessages[cacheKey]
                    ?? CellRules.neverValidMessage(
                        region, year: year, name: schema.dimensions[geo].categories[region]?.name, regions: regions)
                neverValidMessages[cacheKey] = message
                try reject(ReadError(StagingSink.location(cell, dimension: geo, schema), message), raw: original())
                return
            }
        }
        var stagedRegion = region
        if !inValidity && backcast && cell.value != nil && !isSpecial && RegionLevel.of(region) == .kommune {
            stagedRegion = "K-\(region)"; inValidity = true
        }
        if !inValidity && !isSpecial { outOfValidity += 1 }
        var status = cell.status
        if cell.value == nil && status == nil { status = ".." }
        let measure = metric.map { cell.coordinates[$0] } ?? "value"
        // Locations are written relative to the batch's file: a new file starts a new batch.
        if cell.location.file != encoder.batch.file {
            if encoder.count > 0 { try send(nextFile: cell.location.file) } else { _ = encoder.take(nextFile: cell.location.file) }
        }
        encoder.append(
            measure: measure, region: stagedRegion, period: period.utf8.count == 4 ? period : String(year), breakdown: breakdown,
            value: cell.value, status: status, inValidity: inValidity, location: cell.location)
        handed += 1
        if encoder.count >= StagingSink.opsPerMessage { try send() }
    }
}

/// The reading thread's last word on a file.
struct ReadOutcome: Sendable {
    var info: ReadInfo
    var schemas: [DatasetSchema]
    /// Rows handed to the writer, rows refused while reading, rows outside their code's validity.
    var handed: Int
    var rejected: Int
    var outOfValidity: Int
    var special: Int
}

enum StagingMessage: Sendable {
    case batch(StagingBatch)
    case done(ReadOutcome)
    case failed(any Error)
}

/// A bounded queue between the reading thread and the writing thread: the reader waits when
/// `capacity` batches are queued, so memory stays bounded however large the file. When the
/// writer fails it cancels the channel, and the reader's next send throws.
final class StagingChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [StagingMessage] = []
    private var cancelled = false
    let capacity: Int

    init(capacity: Int = 4) { self.capacity = capacity }

    /// Queues a batch; waits while the queue is full. Throws once the writer has cancelled.
    func send(_ m: StagingMessage) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw CancellationError() }
        queue.append(m)
        condition.broadcast()
    }

    /// Queues the reader's last message, full queue or not, cancelled or not.
    func finish(_ m: StagingMessage) {
        condition.lock()
        queue.append(m)
        condition.broadcast()
        condition.unlock()
    }

    func receive() -> StagingMessage {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        // At most `capacity` + 1 messages: removing the first is cheap, and frees it at once.
        let m = queue.removeFirst()
        condition.broadcast()
        return m
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Stages one file with two threads: a new thread reads and checks cells (`StagingSink`)
/// while the calling thread, which owns the database connection, writes what it is handed.
/// Parsing and SQLite's inserts take about the same time, so on two cores the load takes
/// about as long as the slower of them instead of their sum.
///
/// Errors keep their meaning: a reader's error is rethrown as it was raised, and an error
/// while writing stops the reader before it is rethrown. The reading thread has ended when
/// this returns or throws.
func stageFile(
    db: Database, runId: Int64, sourceId: String, path: String, options: ReaderOptions, sink: StagingSink,
    writer: StagingWriter, progress: (Int) -> Void
) throws -> ReadOutcome {
    let channel = sink.channel
    let thread = Thread {
        var sink = sink
        do {
            let info = try readFile(path: path, options: options, into: &sink)
            try sink.send()
            channel.finish(
                .done(
                    ReadOutcome(
                        info: info, schemas: sink.schemas, handed: sink.handed, rejected: sink.rejected, outOfValidity: sink.outOfValidity,
                        special: sink.special)))
        } catch {
            channel.finish(.failed(error))
        }
    }
    thread.stackSize = 16 << 20
    thread.name = "etl-read-\(sourceId)"
    thread.start()

    var writeError: (any Error)? = nil
    var nextProgress = 50_000
    while true {
        switch channel.receive() {
        case .batch(let batch):
            guard writeError == nil else { continue } // drain until the reader has stopped
            do {
                try Interrupt.check()
                try writer.write(batch)
                for r in batch.rejects {
                    try Warehouse.reject(db, runId: runId, sourceId: sourceId, location: r.location, error: r.error, raw: r.raw)
                }
                if writer.inserted >= nextProgress {
                    progress(writer.inserted)
                    nextProgress = writer.inserted + 50_000
                }
            } catch {
                writeError = error
                channel.cancel()
            }
        case .done(let outcome):
            if let writeError { throw writeError }
            return outcome
        case .failed(let error):
            throw writeError ?? error
        }
    }
}

/// Gives the duplicate cells just rejected for a CSV source their line as it is in the file in
/// `etl_reject.raw` (docs/bad-input.md). A duplicate is found where rows are written, which has
/// only the cell's coordinates, so the file is read once more, only when it had duplicates.
func fillDuplicateLines(_ db: Database, runId: Int64, sourceId: String, path: String, options: ReaderOptions) throws {
    var byLine: [Int: [Int64]] = [:]
    for r in try Warehouse.duplicateRejects(db, runId: runId, sourceId: sourceId) {
        // FILE:LINE:COLUMN; the file name may itself hold colons, so read from the right.
        let parts = r.location.split(separator: ":")
        if parts.count >= 3, let line = Int(parts[parts.count - 2]) { byLine[line, default: []].append(r.id) }
    }
    guard !byLine.isEmpty else { return }
    struct LineSink: CellSink {
        var wanted: Set<Int>
        var found: [Int: String] = [:]
        struct Done: Error {}
        mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {}
        mutating func cell(_ cell: Cell, schema: DatasetSchema, original: () -> String) throws {
            guard let line = cell.location.line, wanted.contains(line), found[line] == nil else { return }
            found[line] = original()
            if found.count == wanted.count { throw Done() }
        }
        mutating func reject(_ error: ReadError, raw: String) throws {}
    }
    var sink = LineSink(wanted: Set(byLine.keys))
    do { _ = try readFile(path: path, options: options, into: &sink) } catch is LineSink.Done {}
    for (line, text) in sink.found {
        for id in byLine[line] ?? [] {
            try Warehouse.setRejectRaw(db, id: id, text)
        }
    }
}
