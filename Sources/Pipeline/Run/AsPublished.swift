import Foundation
import GRDB
import Transform
import Warehouse

/// Indicators of region codes as they were published, before harmonisation: what each
/// predecessor of a merged or renumbered municipality published in its own years, computed
/// from the staged cells with the pipeline's own measure selection and indicator formulas
/// (`etl report` shows them beside the harmonised series; docs/REPORT.md).
public enum AsPublished {
    /// Values by indicator code for `codes` only. Each year is computed in that year's own
    /// structure, so only a code valid in a year has values in it (method `as_published`).
    public static func indicators(_ db: Database, pipeline: Pipeline, codes: Set<String>) throws -> [String: [IndicatorValue]] {
        guard !codes.isEmpty else { return [:] }
        guard let data = FileManager.default.contents(atPath: pipeline.catalogPath) else {
            throw PipelineError.run("\(pipeline.catalogPath): error: change catalogue not found")
        }
        let catalog = try ChangeCatalog.parseCSV(String(decoding: data, as: UTF8.self), file: pipeline.catalogPath)
        var exceptions = BorderException.known
        for e in pipeline.definition.harmonisation?.border_exceptions ?? [] {
            exceptions.append(BorderException(oldCode: e.old, newCode: e.new, year: e.year, note: e.note))
        }
        let (regions, _) = try pipeline.regionCatalog(catalog, catalogPath: pipeline.catalogPath, exceptions: exceptions)
        var deriver = try Deriver(db: db, pipeline: pipeline, regions: regions, structureYear: regions.newestYear)

        /// A measure's cells of `codes`, each year "harmonised" to its own structure: the code's
        /// own cells, as published, in the form the indicator formulas take.
        var cache: [String: [Harmonised]] = [:]
        var harmonisers: [Int: Harmoniser] = [:]
        func published(_ name: String) throws -> [Harmonised] {
            if let c = cache[name] { return c }
            guard let def = pipeline.definition.measures[name] else { throw PipelineError.definition(["unknown measure \(name)"]) }
            let raw = try deriver.raw(name).filter { codes.contains($0.key.region) }
            let weights = try def.rule == .weightedMean ? deriver.raw(def.weight!).filter { codes.contains($0.key.region) } : [:]
            var out: [Harmonised] = []
            for year in Set(raw.keys.map(\.year)).sorted() {
                var h = harmonisers[year] ?? Harmoniser(regions: regions, target: year)
                defer { harmonisers[year] = h }
                let rule: Transform.CombineRule = def.rule == .weightedMean ? .weightedMean : .sum
                let result = h.harmonise(
                    raw.filter { $0.key.year == year }, rule: rule,
                    weights: weights.filter { $0.key.year == year }, absentIsZero: def.absentIsZero)
                out += result.values.filter { $0.method == Transform.Method.asPublished && codes.contains($0.key.region) }
            }
            cache[name] = out
            return out
        }

        var out: [String: [IndicatorValue]] = [:]
        for def in pipeline.indicators {
            guard let formula = def.formula else { continue }
            switch formula {
            case .ratio(let n, let d):
                let absentZero = pipeline.definition.measures[n]?.absentIsZero ?? false
                out[def.code] = IndicatorEngine.ratio(
                    def, numerator: try published(n), denominator: try published(d), numeratorAbsentIsZero: absentZero)
            case .rate(let m, _):
                out[def.code] = IndicatorEngine.direct(def, measure: try published(m))
            case .count(let m):
                out[def.code] = IndicatorEngine.direct(def, measure: try published(m))
            case .difference(let m, let minus):
                out[def.code] = IndicatorEngine.difference(def, measure: try published(m), minus: try published(minus))
            }
        }
        return out
    }
}
