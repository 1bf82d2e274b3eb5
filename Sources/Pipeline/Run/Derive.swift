import Foundation
import GRDB
import Ingest
import Transform
import Warehouse

/// Builds the harmonised layer from staged observations: measures are selected and summed,
/// harmonised to the target structure, and turned into indicators. Reads no source file.
struct Deriver {
    let db: Database
    let pipeline: Pipeline
    let regions: RegionCatalog
    let structureYear: Int
    var harmoniser: Harmoniser
    var rawCache: [String: [SeriesKey: StatValue]] = [:]
    var harmonisedCache: [String: [Harmonised]] = [:]
    var measureCodes: [String: [String]] = [:]
    /// Warnings of the derivation, with what each is about (stored in `etl_warning`).
    var diagnostics: [Diagnostic] = []
    var outOfValidity = 0
    /// Consistency gates that failed (docs/PIPELINE.md, "Consistency gates").
    var gates: [String] = []
    /// Staged rows read ahead, by source and measure code: one pass over a source reads every
    /// measure the indicators need. A code's rows are dropped once its last user has read them.
    var prefetched: [String: [String: [StagedRow]]] = [:]
    var pendingUses: [String: [String: Int]] = [:]
    /// Rows kept by the staging writer of sources staged in this run (see `captureSelections`).
    var preloaded: [String: [String: [StagedRow]]]
    /// Each source's dimensions and categories, as staged (`stg_label`).
    var dimensions: [String: [SourceDimension]] = [:]
    /// The measure codes each measure sums (its `contents` as the source has them).
    var contentCodes: [String: [String]] = [:]

    init(
        db: Database, pipeline: Pipeline, regions: RegionCatalog, structureYear: Int, preloaded: [String: [String: [StagedRow]]] = [:],
        stable: Bool = false
    ) throws {
        self.db = db
        self.preloaded = preloaded
        self.pipeline = pipeline
        self.regions = regions
        self.structureYear = structureYear
        let h = pipeline.definition.harmonisation
        let shares = (h?.split_shares ?? []).map {
            SplitShare(oldCode: $0.old, newCode: $0.new, year: $0.year, share: $0.share, basis: $0.basis)
        }
        harmoniser = Harmoniser(regions: regions, target: structureYear, splitShares: shares)
        if let tol = h?.tolerance { harmoniser.tolerance = tol }
        // Every selection must match its source's categories before anything is derived.
        var problems: [String] = []
        for s in pipeline.definition.sources {
            let dims = SourceDimension.from(rows: try Staging.categories(db, sourceId: s.id), roleOverrides: s.dimensions ?? [:])
            if dims.isEmpty {
                // A rerun into a warehouse that never staged this source: its selections cannot be judged.
                throw PipelineError.run(
                    "\(pipeline.sourcePath(s)): error: nothing is staged for source \(s.id) in this warehouse; `etl run` stages it (`etl rerun` reads only what is staged)"
                )
            }
            dimensions[s.id] = dims
            problems += SelectionCheck.problems(pipeline, sourceId: s.id, dimensions: dims, file: pipeline.sourcePath(s))
        }
        if !problems.isEmpty { throw PipelineError.definition(problems) }
        if stable {
            // Stable units over the years the sources cover (their time categories).
            let years = dimensions.values.flatMap { $0 }.filter { $0.role == .time }.flatMap(\.codes).compactMap {
                CellRules.leadingYear($0)
            }
            .filter { $0 >= regions.firstDataYear && $0 <= regions.coveredYears.upperBound }
            let span = (years.min() ?? structureYear)...(years.max() ?? structureYear)
            harmoniser.stable = StableUnits(regions: regions, years: span)
        }
        try planReads()
        if let key = h?.split_key {
            // The key is a measure like any other; it can be read only once self is set up.
            harmoniser.splitKey = try raw(key).filter { $0.key.breakdown.isEmpty }
        }
    }

    /// A measure's values as published (region codes of their own year), selected and summed.
    mutating func raw(_ name: String) throws -> [SeriesKey: StatValue] {
        if let c = rawCache[name] { return c }
        guard let def = pipeline.definition.measures[name] else { throw PipelineError.definition(["unknown measure \(name)"]) }
        let available = try measureCodes[def.source] ?? Staging.measures(db, sourceId: def.source)
        measureCodes[def.source] = available
        var contents: [String]
        if let sel = def.contents {
            contents = available.filter { sel.matches($0) }
            if contents.isEmpty {
                throw PipelineError.run(
                    "measures.\(name): source \(def.source) has no measure matching \(sel); it has: \(available.prefix(10).map { "\"\($0)\"" }.joined(separator: ", "))"
                )
            }
        } else if available.count == 1 {
            contents = available
        } else {
            throw PipelineError.run("measures.\(name): source \(def.source) has \(available.count) measures; name one with `contents:`")
        }
        let select = def.select ?? [:]
        var rows: [StagedRow] = []
        for c in contents {
            for var r in try staged(source: def.source, code: c) {
                if contents.count > 1 { r.breakdown = r.breakdown.isEmpty ? "\u{1}measure=\(c)" : "\u{1}measure=\(c);" + r.breakdown }
                rows.append(r)
            }
        }
        let file = pipeline.definition.sources.first { $0.id == def.source }.map { pipeline.sourcePath($0) } ?? def.source
        // How many cells each sum adds up: every selected category, as the source lists them.
        // A region and year with fewer is missing, never too small (docs/PIPELINE.md).
        var expected = contents.count
        let dims = dimensions[def.source] ?? []
        for (dim, sel) in select {
            expected *= max(1, dims.first { $0.id == dim }?.codes.filter { sel.matches($0) }.count ?? 1)
        }
        let result = MeasureSelection.sum(
            rows, measure: name, source: def.source, file: file, select: select, expected: expected,
            isCount: def.rule == .sum, absentIsZero: def.absentIsZero)
        diagnostics += result.diagnostics
        let out = result.values
        contentCodes[name] = contents
        rawCache[name] = out
        return out
    }

    /// Forgets the cached measures none of `later` reads, so memory holds the measures of the
    /// indicators still to come rather than of all of them.
    mutating func keepOnly(measuresOf later: ArraySlice<IndicatorDefinition>) {
        let needed = Deriver.measuresRead(by: later, pipeline)
        for name in rawCache.keys where !needed.contains(name) { rawCache[name] = nil }
        for name in harmonisedCache.keys where !needed.contains(name) { harmonisedCache[name] = nil }
    }

    /// Which measure codes of which source the pipeline's indicators will read, and how many
    /// measures read each. Measures that cannot be resolved are left out here: `raw` reports them.
    mutating func planReads() throws {
        let d = pipeline.definition
        for name in Deriver.usedMeasures(pipeline) {
            guard let m = d.measures[name] else { continue }
            let available = try measureCodes[m.source] ?? Staging.measures(db, sourceId: m.source)
            measureCodes[m.source] = available
            let codes = m.contents.map { sel in available.filter { sel.matches($0) } } ?? (available.count == 1 ? available : [])
            for c in codes { pendingUses[m.source, default: [:]][c, default: 0] += 1 }
        }
    }

    /// The measures the pipeline's indicators read (with the weights of weighted means and
    /// the split key).
    static func usedMeasures(_ pipeline: Pipeline) -> Set<String> {
        measuresRead(by: pipeline.indicators[...], pipeline, also: pipeline.definition.harmonisation?.split_key)
    }

    /// The measures these indicators read, with the weights of weighted means (and `also`).
    static func measuresRead(by indicators: ArraySlice<IndicatorDefinition>, _ pipeline: Pipeline, also extra: String? = nil) -> Set<String>
    {
        let d = pipeline.definition
        var used = Set<String>()
        func use(_ name: String?) {
            guard let name, !used.contains(name), let m = d.measures[name] else { return }
            used.insert(name)
            if m.rule == .weightedMean { use(m.weight) }
        }
        for i in indicators { i.measures.forEach(use) }
        use(extra)
        return used
    }

    /// Per source, the selections of measure codes the indicators read: while staging a
    /// source the writer keeps those rows in memory, and harmonising skips a pass over the
    /// source. A source with a used measure that names no `contents` is left out (it is read
    /// back from the table as before).
    static func captureSelections(_ pipeline: Pipeline) -> [String: [Selection]] {
        var out: [String: [Selection]] = [:]
        var unselected = Set<String>()
        for name in usedMeasures(pipeline) {
            guard let m = pipeline.definition.measures[name] else { continue }
            if let sel = m.contents { out[m.source, default: []].append(sel) } else { unselected.insert(m.source) }
        }
        for s in unselected { out[s] = nil }
        return out
    }

    /// A measure code's staged rows: from the read-ahead when planned, else read on their own.
    mutating func staged(source: String, code: String) throws -> [StagedRow] {
        guard let uses = pendingUses[source]?[code], uses > 0 else {
            return try Staging.rows(db, sourceId: source, measure: code)
        }
        if prefetched[source] == nil {
            prefetched[source] =
                try preloaded.removeValue(forKey: source)
                ?? Staging.rows(db, sourceId: source, measures: Set(pendingUses[source]!.keys))
        }
        let rows = prefetched[source]?[code] ?? []
        pendingUses[source]![code] = uses - 1
        if uses == 1 { prefetched[source]![code] = nil }
        return rows
    }

    mutating func harmonised(_ name: String) throws -> [Harmonised] {
        if let c = harmonisedCache[name] { return c }
        guard let def = pipeline.definition.measures[name] else { throw PipelineError.definition(["unknown measure \(name)"]) }
        let values = try raw(name)
        let result: HarmoniseResult
        if def.rule == .weightedMean {
            let w = try raw(def.weight!)
            result = harmoniser.harmonise(values, rule: .weightedMean, weights: w)
        } else {
            result = harmoniser.harmonise(values, rule: .sum, absentIsZero: def.absentIsZero)
            // Counts: published county and national totals against their municipalities.
            gates += ConsistencyGate.check(
                measure: name, published: values, harmonised: result.values, regions: regions, tolerance: harmoniser.tolerance)
        }
        for var d in result.diagnostics {
            d.message = "\(name): \(d.message)"
            d.measure = name
            diagnostics.append(d)
        }
        outOfValidity = max(outOfValidity, result.outOfValidity)
        harmonisedCache[name] = result.values
        return result.values
    }

    mutating func indicator(_ def: IndicatorDefinition) throws -> [IndicatorValue] {
        guard let formula = def.formula else {
            throw PipelineError.definition(def.problems(knownMeasures: Set(pipeline.definition.measures.keys)))
        }
        let values: [IndicatorValue]
        switch formula {
        case .ratio(let n, let d):
            let absentZero = pipeline.definition.measures[n]?.absentIsZero ?? false
            let numerator = try harmonised(n), denominator = try harmonised(d)
            try checkAligned(def, numerator: (n, numerator.lazy.map(\.key)), denominator: (d, denominator.lazy.map(\.key)), exact: false)
            values = IndicatorEngine.ratio(def, numerator: numerator, denominator: denominator, numeratorAbsentIsZero: absentZero)
        case .rate(let m, let w):
            let measure = try harmonised(m)
            // The weight as published (read to harmonise the rate anyway): harmonising keeps breakdowns.
            try checkAligned(def, numerator: (m, measure.lazy.map(\.key)), denominator: (w, try raw(w).keys), exact: false)
            values = IndicatorEngine.direct(def, measure: measure)
        case .count(let m):
            values = IndicatorEngine.direct(def, measure: try harmonised(m))
        case .difference(let m, let minus):
            let measure = try harmonised(m), subtrahend = try harmonised(minus)
            try checkAligned(def, numerator: (m, measure.lazy.map(\.key)), denominator: (minus, subtrahend.lazy.map(\.key)), exact: true)
            values = IndicatorEngine.difference(def, measure: measure, minus: subtrahend)
        }
        plausibility(def, values)
        return values
    }

    /// The breakdown dimensions of a measure's keys (`Kjonn`, `art`).
    static func breakdownDimensions(_ keys: some Sequence<SeriesKey>) -> Set<String> {
        var seen = Set<String>(), dims = Set<String>()
        for k in keys where !k.breakdown.isEmpty && seen.insert(k.breakdown).inserted {
            for pair in k.breakdown.split(separator: ";") { dims.insert(String(pair.split(separator: "=", maxSplits: 1)[0])) }
        }
        return dims
    }

    /// A ratio's denominator (a rate's weight, a difference's subtrahend) must not be broken
    /// down by a dimension its numerator is not: its values would match no numerator and every
    /// value would be missing. A forgotten dimension in a `select` is the usual cause.
    func checkAligned(
        _ def: IndicatorDefinition, numerator: (name: String, keys: some Sequence<SeriesKey>),
        denominator: (name: String, keys: some Sequence<SeriesKey>), exact: Bool
    ) throws {
        let n = Deriver.breakdownDimensions(numerator.keys), d = Deriver.breakdownDimensions(denominator.keys)
        var problems: [String] = []
        for dim in d.subtracting(n).sorted() {
            problems.append(
                "\(pipeline.place("measures.\(denominator.name)")): error: indicator \(def.code): \(denominator.name) is broken down by `\(dim)`, "
                    + "which \(numerator.name) is not, so no value would line up; add `\(dim)` to measures.\(denominator.name).select (the categories to add up) "
                    + "or to measures.\(numerator.name).select")
        }
        if exact {
            for dim in n.subtracting(d).sorted() {
                problems.append(
                    "\(pipeline.place("measures.\(numerator.name)")): error: indicator \(def.code): \(numerator.name) is broken down by `\(dim)`, "
                        + "which \(denominator.name) is not; select the same dimensions in both")
            }
        }
        if !problems.isEmpty { throw PipelineError.definition(problems) }
    }

    /// The plausibility warnings of an indicator's values (`Plausibility`), each naming where
    /// the value comes from: the staged cells of its measures, looked up in the staging table
    /// only for the values warned about.
    mutating func plausibility(_ def: IndicatorDefinition, _ values: [IndicatorValue]) {
        let primary = def.numerator ?? def.measure ?? ""
        let pipeline = self.pipeline, db = self.db, contentCodes = self.contentCodes
        func whereFrom(_ v: IndicatorValue) -> String {
            let measures = [primary] + (def.kind == .ratio ? [def.denominator ?? ""] : [])
            var parts: [String] = []
            for m in measures {
                guard let md = pipeline.definition.measures[m], let codes = contentCodes[m],
                    let source = pipeline.definition.sources.first(where: { $0.id == md.source })
                else { continue }
                let file = pipeline.sourcePath(source)
                func place(_ region: String, _ year: Int) -> String? {
                    (try? Staging.location(db, sourceId: md.source, region: region, period: String(year), measures: codes))?.map {
                        "\(file):\($0)"
                    }
                }
                if let own = place(v.key.region, v.key.year) { parts.append("\(m) at \(own)"); continue }
                // A merged or renumbered value: the places of its parts.
                let from = v.lineage.prefix(6).compactMap { place($0.code, $0.year) }
                if !from.isEmpty { parts.append("\(m) from " + from.prefix(5).joined(separator: ", ") + (from.count > 5 ? ", …" : "")) }
            }
            return parts.isEmpty ? "" : " (\(parts.joined(separator: "; ")))"
        }
        diagnostics += Plausibility.check(def, values, origin: whereFrom)
    }
}
