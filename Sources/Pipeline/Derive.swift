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
    var warnings: [String] = []
    var outOfValidity = 0
    /// Staged rows read ahead, by source and measure code: one pass over a source reads every
    /// measure the indicators need. A code's rows are dropped once its last user has read them.
    var prefetched: [String: [String: [StagedRow]]] = [:]
    var pendingUses: [String: [String: Int]] = [:]
    /// Rows kept by the staging writer of sources staged in this run (see `captureSelections`).
    var preloaded: [String: [String: [StagedRow]]]

    init(db: Database, pipeline: Pipeline, regions: RegionCatalog, structureYear: Int, preloaded: [String: [String: [StagedRow]]] = [:]) throws {
        self.db = db
        self.preloaded = preloaded
        self.pipeline = pipeline
        self.regions = regions
        self.structureYear = structureYear
        let h = pipeline.definition.harmonisation
        let shares = (h?.split_shares ?? []).map { SplitShare(oldCode: $0.old, newCode: $0.new, year: $0.year, share: $0.share, basis: $0.basis) }
        harmoniser = Harmoniser(regions: regions, target: structureYear, splitShares: shares)
        if let tol = h?.tolerance { harmoniser.tolerance = tol }
        try planReads()
        if let key = h?.split_key {
            // The key is a measure like any other; it can be read only once self is set up.
            harmoniser.splitKey = try raw(key).filter { $0.key.breakdown.isEmpty }
        }
    }

    /// A measure's values as published (region codes of their own year), selected and summed.
    mutating func raw(_ name: String) throws -> [SeriesKey: StatValue] {
        if let c = rawCache[name] { return c }
        guard let def = pipeline.definition.measures[name] else { throw DefinitionError(["unknown measure \(name)"]) }
        let available = try measureCodes[def.source] ?? Staging.measures(db, sourceId: def.source)
        measureCodes[def.source] = available
        var contents: [String]
        if let sel = def.contents {
            contents = available.filter { sel.matches($0) }
            if contents.isEmpty {
                throw RunFailure("measures.\(name): source \(def.source) has no measure matching \(sel); it has: \(available.prefix(10).map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        } else if available.count == 1 {
            contents = available
        } else {
            throw RunFailure("measures.\(name): source \(def.source) has \(available.count) measures; name one with `contents:`")
        }
        let select = def.select ?? [:]
        var rows: [StagedRow] = []
        for c in contents {
            for var r in try staged(source: def.source, code: c) {
                if contents.count > 1 { r.breakdown = r.breakdown.isEmpty ? "\u{1}measure=\(c)" : "\u{1}measure=\(c);" + r.breakdown }
                rows.append(r)
            }
        }
        var sums: [SeriesKey: (value: Double, status: String?, missing: Bool, n: Int)] = [:]
        var combos = Set<String>()
        for r in rows {
            guard let year = Int(r.period) else { continue }
            var keep: [Substring] = []
            var chosen: [Substring] = []
            var ok = true
            if !r.breakdown.isEmpty {
                for pair in r.breakdown.split(separator: ";") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    let dim = String(kv[0]), code = kv.count > 1 ? String(kv[1]) : ""
                    if dim == "\u{1}measure" { chosen.append(pair); continue }
                    if let sel = select[dim] {
                        if !sel.matches(code) { ok = false; break }
                        chosen.append(pair)
                    } else { keep.append(pair) }
                }
            }
            guard ok else { continue }
            combos.insert(chosen.joined(separator: ";"))
            if let v = r.value, v < 0, def.combine != "weighted_mean" {
                let file = pipeline.definition.sources.first { $0.id == def.source }.map { pipeline.sourcePath($0) } ?? def.source
                warnings.append("\(name): negative count \(v) for \(r.region) \(r.period) at \(file):\(r.location); a count cannot be below zero")
            }
            let key = SeriesKey(r.region, year, keep.joined(separator: ";"))
            var acc = sums[key] ?? (0, nil, false, 0)
            acc.n += 1
            acc.status = Symbols.strongest(acc.status, r.status)
            if let v = r.value { acc.value += v } else { acc.missing = true }
            sums[key] = acc
        }
        var out: [SeriesKey: StatValue] = [:]
        let expected = combos.count
        for (k, a) in sums {
            if a.missing || Symbols.isMissing(a.status) {
                out[k] = StatValue(nil, status: Symbols.isMissing(a.status) ? a.status : "..")
            } else if a.n < expected && def.absent != "zero" {
                // Some selected categories are absent for this region and year: the sum would be too small.
                out[k] = StatValue(nil, status: "..")
            } else {
                out[k] = StatValue(a.value, status: a.n == 1 ? a.status : (a.status == "-" ? nil : a.status))
            }
        }
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
    static func measuresRead(by indicators: ArraySlice<IndicatorDefinition>, _ pipeline: Pipeline, also extra: String? = nil) -> Set<String> {
        let d = pipeline.definition
        var used = Set<String>()
        func use(_ name: String?) {
            guard let name, !used.contains(name), let m = d.measures[name] else { return }
            used.insert(name)
            if m.combine == "weighted_mean" { use(m.weight) }
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
            prefetched[source] = try preloaded.removeValue(forKey: source)
                ?? Staging.rows(db, sourceId: source, measures: Set(pendingUses[source]!.keys))
        }
        let rows = prefetched[source]?[code] ?? []
        pendingUses[source]![code] = uses - 1
        if uses == 1 { prefetched[source]![code] = nil }
        return rows
    }

    mutating func harmonised(_ name: String) throws -> [Harmonised] {
        if let c = harmonisedCache[name] { return c }
        guard let def = pipeline.definition.measures[name] else { throw DefinitionError(["unknown measure \(name)"]) }
        let values = try raw(name)
        let result: HarmoniseResult
        if def.combine == "weighted_mean" {
            let w = try raw(def.weight!)
            result = harmoniser.harmonise(values, rule: .weightedMean, weights: w)
        } else {
            result = harmoniser.harmonise(values, rule: .sum, absentIsZero: def.absent == "zero")
        }
        for w in result.warnings { warnings.append("\(name): \(w)") }
        outOfValidity = max(outOfValidity, result.outOfValidity)
        harmonisedCache[name] = result.values
        return result.values
    }

    mutating func indicator(_ def: IndicatorDefinition) throws -> [IndicatorValue] {
        switch def.kind {
        case .ratio:
            let absentZero = pipeline.definition.measures[def.numerator!]?.absent == "zero"
            let values = IndicatorEngine.ratio(def, numerator: try harmonised(def.numerator!), denominator: try harmonised(def.denominator!),
                                               numeratorAbsentIsZero: absentZero)
            // A share is a part of a whole: a numerator above its denominator is worth a look.
            if def.unit == "prosent" && def.scale == 100 {
                for v in values {
                    guard let n = v.numerator, let d = v.denominatorValue, d > 0, n > d else { continue }
                    warnings.append("\(def.code) \(v.key.region) \(v.key.year): numerator \(n) is above denominator \(d) (\(String(format: "%.1f", n / d * 100)) %)")
                }
            }
            return values
        case .rate, .count:
            return IndicatorEngine.direct(def, measure: try harmonised(def.measure!))
        case .difference:
            return IndicatorEngine.difference(def, measure: try harmonised(def.measure!), minus: try harmonised(def.minus!))
        }
    }
}
