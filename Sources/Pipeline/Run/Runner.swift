// Why this file is long: the run's steps in order (plan, hash, no-op, stage, derive, groups,
// publish, record) and the failure record; each step is a short method.

import Fetch
import Foundation
import GRDB
import Ingest
import Transform
import Warehouse

#if os(Linux)
    /// glibc's `malloc_trim` (malloc.h is not in Swift's Glibc module): returns freed heap to the system.
    @_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Something that happened during a run, for the human summary and the JSON log.
public enum RunEvent: Sendable {
    case sourceStarted(id: String, path: String)
    case sourceDone(id: String, staged: Int, rejected: Int, outOfValidity: Int, dialect: String)
    case sourceReused(id: String)
    case harmonised(structureYear: Int, facts: Int, indicators: Int)
    case published(warehouse: String, runId: Int64)
    case warning(String)
    case noChange
    /// Progress on a long step: rows so far (sent every 50 000 rows, and once at the end with `done`).
    case progress(step: String, rows: Int, done: Bool)
}

public struct RunOptions: Sendable {
    public var pipelinePath: String
    public var warehouse: String?
    public var structureYear: Int?
    public var catalogPath: String?
    public var fullRefresh = false
    /// Take over a warehouse another pipeline published (`etl run --replace`); implies a full refresh.
    public var replace = false
    public var maxRejects: Int?
    public var command = "run"
    /// Results of fetching remote sources before the run, to be recorded with it.
    public var fetched: [FetchResult] = []

    public init(
        pipelinePath: String, warehouse: String? = nil, structureYear: Int? = nil, catalogPath: String? = nil,
        fullRefresh: Bool = false, maxRejects: Int? = nil, command: String = "run"
    ) {
        self.pipelinePath = pipelinePath
        self.warehouse = warehouse
        self.structureYear = structureYear
        self.catalogPath = catalogPath
        self.fullRefresh = fullRefresh
        self.maxRejects = maxRejects
        self.command = command
    }
}

public struct RunSummary: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        case success, rejectsOverLimit = "rejects_over_limit", noChange = "no_change", failed, interrupted
    }
    public var status: Status
    /// Why a failed run failed.
    public var message: String? = nil
    public var runId: Int64?
    public var pipeline: String
    public var warehouse: String
    public var structureYear: Int
    public var sourcesRead = 0
    public var sourcesReused = 0
    public var staged = 0
    public var rejected = 0
    public var outOfValidity = 0
    /// Cells of codes that are no kommune of any structure (Svalbard, `9999`, `0716u`), set aside.
    public var special = 0
    /// Consistency gates that failed: harmonised municipalities against published totals.
    public var gates: [String] = []
    /// With `structure_year: stable`: how many stable units the values were harmonised to.
    public var stableUnits: Int? = nil
    public var indicators = 0
    public var facts = 0
    public var warnings: [String] = []
    /// What `--fetch` did for each remote source (`stale`: the download failed and the previous file was used).
    public var fetch: [FetchResult] = []
    public var elapsedSeconds = 0.0
    public var steps: [StepRecord] = []
    /// What this publication changed against the previous one, and its content hash (README, "What changed last night").
    public var changes: RevisionSummary? = nil

    public struct StepRecord: Sendable, Codable {
        public var step: String
        public var status: String
        public var seconds: Double
        public var rows: Int
        public var detail: String?
    }
}

/// Runs a pipeline: stage changed sources, rebuild the harmonised layer, publish in one transaction.
public final class Runner {
    public let options: RunOptions
    let observe: (RunEvent) -> Void
    /// Time spent storing source versions in this run (README, "What changed last night").
    var versionSeconds = 0.0

    /// The pipeline, when the caller has loaded it already (the command line loads it once).
    let loaded: Pipeline?

    public init(options: RunOptions, pipeline: Pipeline? = nil, observe: @escaping (RunEvent) -> Void = { _ in }) {
        self.options = options
        self.loaded = pipeline
        self.observe = observe
    }

    /// Version of the derivation code: a change re-derives even when no input changed.
    public static let derivationVersion = "1"

    /// What a run works from, decided before anything is written: the pipeline, the
    /// catalogue and register, the structure year, and the sources' content hashes.
    struct Plan {
        let pipeline: Pipeline
        let catalogData: Data
        let registerData: [Data]
        let regions: RegionCatalog
        let structureYear: Int
        let stable: Bool
        let maxRejects: Int
        /// Content hashes of the sources; a source the warehouse never staged is hashed while
        /// it is staged (`deferred`).
        var hashes: [String: String] = [:]
        var deferred = Set<String>()
        /// Hashes computed on their own threads while the warehouse is opened and checked
        /// (`awaitHashes` collects them into `hashes`).
        var hashing: [(id: String, path: String, hash: BackgroundHash)] = []

        /// What the run publishes depends on exactly these: equal fingerprints, equal facts.
        var fingerprint: String {
            sha256(
                pipeline.definitionBytes + [catalogData] + registerData
                    + hashes.sorted { $0.key < $1.key }.map { Data("\($0.key)=\($0.value)".utf8) }
                    + [Data("structure=\(structureYear);v=\(Runner.derivationVersion)".utf8)])
        }
    }

    /// One run: plan → (no-op?) → stage → derive → publish → record, all but the plan in one
    /// transaction on a copy of the warehouse that replaces it at the end (docs/ARCHITECTURE.md).
    public func run(rerunOnly: Bool = false) throws -> RunSummary {
        let started = Date()
        let startedAt = Warehouse.now()
        var plan = try self.plan()
        do {
            if !rerunOnly { try hashSources(&plan) }
        } catch {
            throw recordEarlyFailure(
                pipeline: plan.pipeline, structureYear: plan.structureYear, startedAt: startedAt, started: started, error: error)
        }
        let pipeline = plan.pipeline
        let warehouse = try Warehouse(path: pipeline.warehousePath, pipeline: pipeline.definition.name, takeOver: options.replace)
        do { try awaitHashes(&plan) } catch {
            throw recordEarlyFailure(
                pipeline: plan.pipeline, structureYear: plan.structureYear, startedAt: startedAt, started: started, error: error)
        }
        var summary = RunSummary(
            status: .success, runId: nil, pipeline: pipeline.definition.name, warehouse: pipeline.warehousePath,
            structureYear: plan.structureYear)
        summary.fetch = options.fetched
        for f in options.fetched where f.status == .stale {
            summary.warnings.append("source \(f.source) is stale: \(f.reason ?? "the download failed"); using the previous file")
        }
        if !rerunOnly && !options.fullRefresh && plan.deferred.isEmpty,
            let last = try warehouse.queue.read({ try Warehouse.lastSuccessfulFingerprint($0) }), last == plan.fingerprint
        {
            do { try recordNoChange(plan, warehouse: warehouse, summary: &summary) } catch {
                throw recordEarlyFailure(
                    pipeline: pipeline, structureYear: plan.structureYear, startedAt: startedAt, started: started, error: error)
            }
            summary.elapsedSeconds = Date().timeIntervalSince(started)
            try writeRunRecord(summary, warehousePath: pipeline.warehousePath)
            return summary
        }
        do {
            try warehouse.transaction { db in
                let runId = try Warehouse.startRun(
                    db, pipeline: pipeline.definition.name, command: options.command, structureYear: plan.structureYear)
                summary.runId = runId
                var preloaded: [String: [String: [StagedRow]]] = [:]
                if !rerunOnly {
                    preloaded = try stageSources(
                        db, pipeline: pipeline, regions: plan.regions, runId: runId, hashes: &plan.hashes,
                        deferred: plan.deferred, summary: &summary)
                    #if os(Linux)
                        // The reading thread's malloc arena keeps what it freed; give it back
                        // before harmonising, so peak memory is the larger phase, not the sum.
                        _ = glibcMallocTrim(0)
                    #endif
                } else {
                    summary.sourcesReused = try Warehouse.sourceCount(db)
                }
                try derive(db, plan, runId: runId, preloaded: preloaded, summary: &summary)
                try publish(db, plan, runId: runId, summary: &summary)
            }
        } catch {
            throw recordEarlyFailure(
                pipeline: pipeline, structureYear: plan.structureYear, startedAt: startedAt, started: started, error: error,
                warehouse: warehouse)
        }
        observe(.published(warehouse: pipeline.warehousePath, runId: summary.runId ?? 0))
        summary.elapsedSeconds = Date().timeIntervalSince(started)
        try writeRunRecord(summary, warehousePath: pipeline.warehousePath)
        return summary
    }

    /// Plan: the pipeline (loaded once), the change catalogue and register, the structure year.
    func plan() throws -> Plan {
        let pipeline = try loaded ?? Pipeline.load(path: options.pipelinePath, warehouseOverride: options.warehouse, checkFiles: false)
        let catalogPath = options.catalogPath ?? pipeline.catalogPath
        guard let catalogData = FileManager.default.contents(atPath: catalogPath) else {
            throw PipelineError.run("\(catalogPath): error: change catalogue not found")
        }
        let catalog: ChangeCatalog
        do { catalog = try ChangeCatalog.parseCSV(String(decoding: catalogData, as: UTF8.self), file: catalogPath) } catch {
            throw PipelineError.definition(["\(error)"])
        }
        var exceptions = BorderException.known
        for e in pipeline.definition.harmonisation?.border_exceptions ?? [] {
            exceptions.append(BorderException(oldCode: e.old, newCode: e.new, year: e.year, note: e.note))
        }
        let (regions, registerData) = try pipeline.regionCatalog(catalog, catalogPath: catalogPath, exceptions: exceptions)
        var structureYear = regions.newestYear
        if let y = options.structureYear {
            structureYear = y
        } else if case .year(let y) = pipeline.definition.harmonisation?.structure_year {
            structureYear = y
        }
        if let problem = regions.structureProblem(structureYear) { throw PipelineError.definition(["error: \(problem)"]) }
        return Plan(
            pipeline: pipeline, catalogData: catalogData, registerData: registerData, regions: regions, structureYear: structureYear,
            stable: options.structureYear == nil && pipeline.definition.harmonisation?.structure_year == .stable,
            maxRejects: options.maxRejects ?? pipeline.definition.max_rejects ?? 0)
    }

    /// Hashes the sources before the transaction; a missing file fails the run before anything
    /// is written. A source the warehouse has never staged will be staged whatever its hash, so
    /// it is only checked to be readable here and hashed on a second thread while it is staged.
    func hashSources(_ plan: inout Plan) throws {
        let pipeline = plan.pipeline
        let known = Runner.stagedSourceIds(warehousePath: pipeline.warehousePath)
        for s in pipeline.definition.sources {
            try Interrupt.check()
            let p = pipeline.sourcePath(s)
            guard FileManager.default.fileExists(atPath: p) else {
                throw PipelineError.run("\(p): error: source file not found (source \(s.id))")
            }
            do {
                if let known, !known.contains(s.id), !options.fullRefresh {
                    _ = try ChunkedFile(path: p)
                    plan.deferred.insert(s.id)
                } else {
                    _ = try ChunkedFile(path: p)
                    plan.hashing.append((s.id, p, BackgroundHash(path: p)))
                }
            } catch let e as ReadError { throw PipelineError.run("\(p): error: cannot read source \(s.id): \(e.message)") }
        }
    }

    /// Waits for the hashes `hashSources` started: they were computed while the warehouse was
    /// opened and checked, which takes about as long on a large warehouse.
    func awaitHashes(_ plan: inout Plan) throws {
        for (id, path, hash) in plan.hashing {
            do { plan.hashes[id] = try hash.wait() } catch let e as ReadError {
                throw PipelineError.run("\(path): error: cannot read source \(id): \(e.message)")
            }
        }
        plan.hashing = []
    }

    /// Nothing changed since the last good run: record it and publish nothing new.
    func recordNoChange(_ plan: Plan, warehouse: Warehouse, summary: inout RunSummary) throws {
        let pipeline = plan.pipeline
        var id: Int64 = 0
        try warehouse.update { db in
            id = try Warehouse.startRun(db, pipeline: pipeline.definition.name, command: options.command, structureYear: plan.structureYear)
            var c = Warehouse.RunCounts()
            c.sourcesReused = pipeline.definition.sources.count
            try Warehouse.finishRun(
                db, runId: id, status: "success", counts: c, fingerprint: plan.fingerprint,
                message: "no change since the last successful run")
        }
        summary.runId = id
        summary.status = .noChange
        summary.sourcesReused = pipeline.definition.sources.count
        observe(.noChange)
    }

    /// Derive: every indicator harmonised to the structure year and written with its lineage,
    /// then the comparison groups, then the run's warnings.
    func derive(_ db: Database, _ plan: Plan, runId: Int64, preloaded: [String: [String: [StagedRow]]], summary: inout RunSummary) throws {
        let pipeline = plan.pipeline
        try Runner.injectedFailure("harmonise")
        let t0 = Date()
        var deriver = try Deriver(
            db: db, pipeline: pipeline, regions: plan.regions, structureYear: plan.structureYear, preloaded: preloaded,
            stable: plan.stable)
        try Vintages.keepPrevious(db)
        let writer = try FactWriter(
            db, runId: runId, structureYear: plan.structureYear, regions: plan.regions, indicators: pipeline.indicators)
        defer { writer.close() }
        if let units = deriver.harmoniser.stable {
            try writer.writeUnits(units)
            summary.stableUnits = units.units.count
        }
        var computed: [(IndicatorDefinition, [IndicatorValue])] = []
        for (i, def) in pipeline.indicators.enumerated() {
            try Interrupt.check()
            let values = try deriver.indicator(def)
            for v in values { try writer.write(v) }
            // Groups need the values, not their lineage and notes, which are written.
            computed.append(
                (
                    def,
                    values.map { v in
                        var v = v; v.lineage = []; v.note = nil; return v
                    }
                ))
            deriver.keepOnly(measuresOf: pipeline.indicators[(i + 1)...])
        }
        try writeGroups(plan, computed: computed, writer: writer)
        summary.facts = writer.written
        summary.indicators = pipeline.indicators.count
        summary.outOfValidity = try Staging.outOfValidityCount(db)
        summary.special = try Staging.specialCount(db)
        summary.gates = deriver.gates
        // Every warning with what it is about: the run's own (stale sources) first.
        var diagnostics = summary.warnings.map { Diagnostic.warning($0, code: "stale-source") }
        diagnostics += deriver.diagnostics + deriver.gates.map { Diagnostic.warning($0, code: "consistency-gate") }
        if plan.regions.register == nil {
            diagnostics.append(
                .warning(
                    "no municipality register (\(pipeline.registerPath ?? "register/")): codes the change catalogue does not name are taken as valid in every year",
                    code: "no-register"))
        }
        summary.warnings = diagnostics.map(\.description)
        for d in diagnostics { try Warehouse.warn(db, runId: runId, d); observe(.warning(d.description)) }
        summary.steps.append(
            .init(
                step: "harmonise", status: "ok", seconds: Date().timeIntervalSince(t0), rows: writer.written,
                detail: "structure year \(plan.structureYear)"))
        observe(.harmonised(structureYear: plan.structureYear, facts: writer.written, indicators: pipeline.indicators.count))
    }

    /// Comparison groups over the municipal values of the target structure. Walked in place
    /// rather than gathered into one array: a copy of every value was the largest allocation.
    func writeGroups(_ plan: Plan, computed: [(IndicatorDefinition, [IndicatorValue])], writer: FactWriter) throws {
        let pipeline = plan.pipeline
        var yearSet = Set<Int>()
        for (_, values) in computed { for v in values { yearSet.insert(v.key.year) } }
        let years = yearSet.sorted()
        var groups = try GroupLoader.groups(
            pipeline.definition.groups, pipeline: pipeline, regions: plan.regions, structureYear: plan.structureYear, years: years)
        guard !groups.isEmpty else { return }
        let (codes, national) = GroupMembership.municipalities(in: computed.lazy.flatMap(\.1))
        groups = GroupMembership.withCountyMembers(groups, codes: codes)
        try writer.writeGroups(groups, years: years, nationalMembers: national)
        for (def, values) in computed {
            try Interrupt.check()
            // A count of a register listing only non-zero rows: members without a row count as 0.
            let absentZero = def.kind == .count && (def.measure.flatMap { pipeline.definition.measures[$0] }?.absentIsZero ?? false)
            for g in GroupEngine.aggregate(def, values: values, groups: groups, absentIsZero: absentZero, nationalMembers: national) {
                try writer.write(g)
            }
        }
    }

    /// Publish and record: what changed against the previous publication (the vintage), then
    /// the run's row in etl_run with its counts and fingerprint. The transaction commits after.
    func publish(_ db: Database, _ plan: Plan, runId: Int64, summary: inout RunSummary) throws {
        let tv = Date()
        summary.changes = try Runner.publishVintage(
            db, runId: runId, structureYear: plan.structureYear, pipeline: plan.pipeline,
            carryOver: !options.replace)
        summary.changes?.seconds = Date().timeIntervalSince(tv)
        summary.changes?.versionSeconds = versionSeconds
        if summary.rejected > plan.maxRejects { summary.status = .rejectsOverLimit }
        var c = Warehouse.RunCounts()
        c.sourcesRead = summary.sourcesRead; c.sourcesReused = summary.sourcesReused; c.staged = summary.staged
        c.rejected = summary.rejected; c.facts = summary.facts; c.warnings = summary.warnings.count
        try Warehouse.finishRun(
            db, runId: runId, status: summary.status.rawValue, counts: c, fingerprint: plan.fingerprint,
            message: summary.rejected > 0 ? "\(summary.rejected) rows rejected; see etl_reject where run_id = \(runId)" : nil)
    }

    /// Stages the sources that changed; returns the rows of the measures the indicators read
    /// from them, kept by the writer on the way (see `Deriver.captureSelections`).
    private func stageSources(
        _ db: Database, pipeline: Pipeline, regions: RegionCatalog, runId: Int64, hashes: inout [String: String],
        deferred: Set<String>, summary: inout RunSummary
    ) throws -> [String: [String: [StagedRow]]] {
        _ = try Warehouse.removeSources(db, notIn: pipeline.definition.sources.map(\.id))
        let captures = Deriver.captureSelections(pipeline)
        var preloaded: [String: [String: [StagedRow]]] = [:]
        for s in pipeline.definition.sources {
            let path = pipeline.sourcePath(s)
            // A source never staged before is hashed on its own thread while it is staged.
            let pendingHash = deferred.contains(s.id) ? BackgroundHash(path: path) : nil
            let hash = hashes[s.id] ?? "pending"
            if pendingHash == nil, !options.fullRefresh, try Warehouse.stagedHash(db, sourceId: s.id) == hash {
                summary.sourcesReused += 1
                observe(.sourceReused(id: s.id))
                summary.steps.append(.init(step: "stage \(s.id)", status: "reused", seconds: 0, rows: 0, detail: "content unchanged"))
                continue
            }
            let t0 = Date()
            observe(.sourceStarted(id: s.id, path: path))
            let format = s.format ?? sniffFormat(path: path)
            let sumDuplicates = s.sum_duplicates ?? (format == .husbanken)
            let record = Warehouse.SourceRecord(
                id: s.id, path: path, format: format.rawValue, tableId: s.table, contentHash: hash, origin: readSidecar(path))
            let context = StagingContext(
                source: s, path: path, format: format, record: record, runId: runId, regions: regions, capture: captures[s.id],
                sumDuplicates: sumDuplicates)
            // A source staged before is restaged in place when its rows come in the table's key
            // order (docs/ARCHITECTURE.md, "Restaging a changed source"); otherwise, and on a
            // full refresh, it is staged afresh beside the previous version and compared in SQL.
            var staged: StagedSource? = nil
            if pendingHash == nil, !options.fullRefresh, !sumDuplicates, let key = try Warehouse.sourceKey(db, sourceId: s.id) {
                do {
                    try Warehouse.inSavepoint(db) { staged = try restage(db, context, key: key) }
                } catch  where StagingWriter.isOutOfOrder(error) {
                    observe(.progress(step: "staging \(s.id) afresh (\(error))", rows: 0, done: false))
                }
            }
            if staged == nil { staged = try stageAfresh(db, context) }
            guard let staged else { continue }
            let key = staged.key
            let outcome = staged.outcome
            let rejected = outcome.rejected + staged.duplicates
            observe(.progress(step: "staging \(s.id)", rows: staged.rows, done: true))
            try Runner.injectedFailure("staging \(s.id)")
            for schema in outcome.schemas { try StagingWriter.saveLabels(db, sourceKey: key, schema: schema) }
            let title = outcome.schemas.first?.label
            try Warehouse.finishSource(
                db, key: key, observations: staged.rows, rejected: rejected, outOfValidity: outcome.outOfValidity, special: outcome.special,
                title: title,
                updated: outcome.schemas.first?.updated)
            try Warehouse.describeSource(
                db, key: key, dialect: outcome.info.dialect,
                notes: outcome.schemas.compactMap(\.footnotes).joined(separator: "\n").nilIfEmpty)
            summary.sourcesRead += 1
            summary.staged += staged.rows
            summary.rejected += rejected
            observe(
                .sourceDone(
                    id: s.id, staged: staged.rows, rejected: rejected, outOfValidity: outcome.outOfValidity, dialect: outcome.info.dialect))
            var detail = rejected > 0 ? ["\(rejected) rejected"] : []
            if let r = staged.restaged {
                detail.append("restaged in place: \(r.added) added, \(r.removed) removed, \(r.revised) revised, \(r.moved) moved")
            }
            summary.steps.append(
                .init(
                    step: "stage \(s.id)", status: "ok", seconds: Date().timeIntervalSince(t0), rows: staged.rows,
                    detail: detail.isEmpty ? nil : detail.joined(separator: "; ")))
            if let kept = staged.captured { preloaded[s.id] = kept }
            if let pendingHash {
                let h = try pendingHash.wait()
                hashes[s.id] = h
                try Warehouse.setContentHash(db, key: key, h)
            }
            let tv = Date()
            if let r = staged.restaged {
                if let v = staged.version {
                    try Vintages.recordRestaged(
                        db, sourceId: s.id, key: key, number: v.number, runId: runId, added: v.recordCells ? r.added : 0,
                        removed: v.recordCells ? r.removed : 0, revised: v.recordCells ? r.revised : 0)
                }
            } else {
                try Vintages.recordVersion(db, sourceId: s.id, key: key, previous: staged.previous, runId: runId)
            }
            versionSeconds += Date().timeIntervalSince(tv)
        }
        return preloaded
    }

    /// The sources a warehouse has staged, or nil when that cannot be told (then every
    /// source is hashed before the run, as for a warehouse that has staged them all).
    static func stagedSourceIds(warehousePath: String) -> Set<String>? {
        guard FileManager.default.fileExists(atPath: warehousePath) else { return [] }
        guard let ids = try? Warehouse.stagedSourceIds(path: warehousePath) else { return nil }
        return Set(ids)
    }

    /// A run that fails (even before its transaction: a source missing or unreadable) leaves a
    /// `failed` row in etl_run and a run record, so `etl status` shows last night's failure; a
    /// run stopped by a signal leaves an `interrupted` one. Returns the error to throw.
    func recordEarlyFailure(
        pipeline: Pipeline, structureYear: Int, startedAt: String, started: Date, error: any Error,
        warehouse: Warehouse? = nil
    ) -> any Error {
        let interrupted = Interrupt.received.map { WarehouseError.interrupted(signal: $0) }
        let message = interrupted.map { "\($0)" } ?? "\(error)"
        if let warehouse = warehouse
            ?? (try? Warehouse(path: pipeline.warehousePath, pipeline: pipeline.definition.name, takeOver: options.replace))
        {
            warehouse.recordFailure(
                pipeline: pipeline.definition.name, command: options.command, startedAt: startedAt, message: message,
                status: interrupted == nil ? "failed" : "interrupted")
        }
        var failed = RunSummary(
            status: interrupted == nil ? .failed : .interrupted, runId: nil, pipeline: pipeline.definition.name,
            warehouse: pipeline.warehousePath, structureYear: structureYear)
        failed.message = message
        failed.elapsedSeconds = Date().timeIntervalSince(started)
        try? writeRunRecord(failed, warehousePath: pipeline.warehousePath)
        return interrupted ?? error
    }

    /// Test hook: `ETL_TEST_FAIL_AT=STEP` makes a run fail at that step (after staging, before
    /// harmonising, …), so tests can prove a failed run publishes nothing.
    static func injectedFailure(_ step: String) throws {
        if ProcessInfo.processInfo.environment["ETL_TEST_FAIL_AT"] == step {
            throw PipelineError.run("error: injected failure at step \(step) (ETL_TEST_FAIL_AT)")
        }
    }

    /// A fetched file's origin (URL, query, fetch time), from `FILE.origin.json` beside it.
    func readSidecar(_ path: String) -> String? {
        FileManager.default.contents(atPath: path + ".origin.json").map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes the run record (JSON) beside the warehouse: `runs/run-N.json` and `last-run.json`.
    func writeRunRecord(_ summary: RunSummary, warehousePath: String) throws {
        let dir = (warehousePath as NSString).deletingLastPathComponent
        let runs = (dir.isEmpty ? "." : dir) + "/runs"
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(summary)
        try data.write(to: URL(fileURLWithPath: "\(runs)/run-\(summary.runId ?? 0).json"), options: .atomic)
        try data.write(to: URL(fileURLWithPath: "\(runs)/last-run.json"), options: .atomic)
    }
}

/// A file's SHA-256 computed on its own thread (see `contentHash`).
final class BackgroundHash: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, any Error> = .failure(CancellationError())

    init(path: String) {
        let thread = Thread { [self] in
            do { result = .success(try contentHash(path: path)) } catch { result = .failure(error) }
            done.signal()
        }
        thread.name = "etl-hash"
        thread.start()
    }

    /// The hash, once the thread has finished; rethrows its error.
    func wait() throws -> String {
        done.wait()
        done.signal()
        return try result.get()
    }
}

extension String {
    /// nil for the empty string (an absent note is NULL, not '').
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
