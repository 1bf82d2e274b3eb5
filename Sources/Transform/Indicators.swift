import Foundation
import Ingest

/// How an indicator is computed and how it combines across municipalities (docs/INDICATORS.md §1).
public enum IndicatorKind: String, Sendable, Codable, CaseIterable {
    /// A count: summed across municipalities.
    case count
    /// A ratio with stored numerator and denominator: both summed, then divided.
    case ratio
    /// A rate published without its parts: a weighted mean with a declared weight.
    case rate
    /// One count minus another (both summed across municipalities first).
    case difference
}

/// How an indicator is computed from measures: one case per kind, each with exactly the
/// measures that kind reads (docs/PIPELINE.md, "The indicator catalogue").
public enum Formula: Sendable, Equatable {
    /// Numerator and denominator harmonised as counts, then divided and scaled.
    case ratio(numerator: String, denominator: String)
    /// A published rate, combined across municipalities with its weight.
    case rate(measure: String, weight: String)
    /// A count, summed across municipalities.
    case count(measure: String)
    /// One count minus another.
    case difference(measure: String, minus: String)
}

/// One catalogued indicator.
public struct IndicatorDefinition: Sendable, Codable, Equatable {
    public var code: String
    public var name: String
    public var nameEn: String?
    public var unit: String
    public var kind: IndicatorKind
    public var numerator: String?
    public var denominator: String?
    /// The published measure (for `rate` and `count`).
    public var measure: String?
    /// The weight measure for `rate`.
    public var weight: String?
    /// For `difference`: the measure subtracted from `measure`.
    public var minus: String?
    /// Multiplier applied to the ratio (100 for per cent, 1000 for per 1 000).
    public var scale: Double
    public var decimals: Int
    public var population: String?
    public var sourceTables: [String]
    public var definition: String
    /// Optional plausibility bound: a value more than this factor above or below the
    /// previous year's is warned about (docs/PIPELINE.md).
    public var maxJump: Double?

    public init(code: String, name: String, nameEn: String? = nil, unit: String, kind: IndicatorKind, numerator: String? = nil, denominator: String? = nil,
                measure: String? = nil, weight: String? = nil, minus: String? = nil, scale: Double = 1, decimals: Int = 1, population: String? = nil,
                sourceTables: [String] = [], definition: String, maxJump: Double? = nil) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.unit = unit
        self.kind = kind
        self.numerator = numerator
        self.denominator = denominator
        self.measure = measure
        self.weight = weight
        self.minus = minus
        self.scale = scale
        self.decimals = decimals
        self.population = population
        self.sourceTables = sourceTables
        self.definition = definition
        self.maxJump = maxJump
    }

    /// The measures this indicator needs.
    public var measures: [String] { [numerator, denominator, measure, weight, minus].compactMap { $0 } }

    /// The formula of its kind, with every measure it needs; nil when one is missing (see `problems`).
    public var formula: Formula? {
        switch kind {
        case .ratio: return numerator.flatMap { n in denominator.map { .ratio(numerator: n, denominator: $0) } }
        case .rate: return measure.flatMap { m in weight.map { .rate(measure: m, weight: $0) } }
        case .count: return measure.map { .count(measure: $0) }
        case .difference: return measure.flatMap { m in minus.map { .difference(measure: m, minus: $0) } }
        }
    }

    /// Problems with the definition itself, given the declared measure names (every one, not the first).
    public func problems(knownMeasures: Set<String>) -> [String] {
        var p: [String] = []
        switch kind {
        case .ratio:
            if numerator == nil { p.append("indicator \(code): kind ratio needs a numerator") }
            if denominator == nil { p.append("indicator \(code): kind ratio needs a denominator") }
        case .rate:
            if measure == nil { p.append("indicator \(code): kind rate needs the published measure") }
            if weight == nil { p.append("indicator \(code): kind rate needs a weight measure to combine municipalities") }
        case .count:
            if measure == nil { p.append("indicator \(code): kind count needs a measure") }
        case .difference:
            if measure == nil { p.append("indicator \(code): kind difference needs a measure") }
            if minus == nil { p.append("indicator \(code): kind difference needs a `minus` measure") }
        }
        for m in measures where !knownMeasures.contains(m) {
            p.append("indicator \(code): refers to unknown measure \"\(m)\"")
        }
        return p
    }
}

/// One computed indicator value.
public struct IndicatorValue: Sendable {
    public var indicator: String
    public var key: SeriesKey
    public var value: Double?
    public var numerator: Double?
    public var denominatorValue: Double?
    public var weight: Double?
    public var status: String?
    public var method: Method
    public var note: String?
    public var lineage: [LineagePart]
}

/// Computes indicators from harmonised measures.
public enum IndicatorEngine {
    /// A ratio: numerator and denominator harmonised as counts, then divided and scaled.
    /// `numeratorAbsentIsZero`: where the denominator has a value and the numerator no row
    /// at all, the numerator is zero (a register that lists only non-zero counts).
    public static func ratio(_ def: IndicatorDefinition, numerator: [Harmonised], denominator: [Harmonised], numeratorAbsentIsZero: Bool = false) -> [IndicatorValue] {
        var dens: [SeriesKey: Harmonised] = [:]
        for d in denominator { dens[d.key] = d }
        var numerators = numerator
        // Zeros are filled in only for a numerator without breakdowns: which categories a
        // by-kind numerator would have had is not known.
        if numeratorAbsentIsZero && !numerator.contains(where: { !$0.key.breakdown.isEmpty }) {
            let have = Set(numerator.map(\.key))
            for d in denominator where !have.contains(d.key) && d.key.breakdown.isEmpty && d.value != nil {
                numerators.append(Harmonised(key: d.key, value: 0, status: nil, method: d.method, weight: nil, note: "no row in the register: zero", lineage: d.lineage))
            }
        }
        var out: [IndicatorValue] = []
        for n in numerators {
            let dk = dens[n.key] != nil ? n.key : SeriesKey(n.key.region, n.key.year)
            guard let d = dens[dk] else {
                out.append(IndicatorValue(indicator: def.code, key: n.key, value: nil, numerator: n.value, denominatorValue: nil, weight: nil,
                                          status: "..", method: max(n.method, .asPublished), note: "denominator \(def.denominator ?? "") has no value", lineage: n.lineage))
                continue
            }
            let method = max(n.method, d.method)
            let lineage = Array(Set(n.lineage + d.lineage)).sorted { ($0.code, $0.year) < ($1.code, $1.year) }
            var status = Symbols.strongest(n.status, d.status)
            if status == "-" { status = nil }
            if method == .notComputable {
                out.append(IndicatorValue(indicator: def.code, key: n.key, value: nil, numerator: n.value, denominatorValue: d.value, weight: nil, status: nil,
                                          method: .notComputable, note: n.note ?? d.note, lineage: lineage))
            } else if let nv = n.value, let dv = d.value {
                if dv == 0 {
                    out.append(IndicatorValue(indicator: def.code, key: n.key, value: nil, numerator: nv, denominatorValue: dv, weight: nil, status: ".",
                                              method: method, note: "denominator is zero", lineage: lineage))
                } else {
                    out.append(IndicatorValue(indicator: def.code, key: n.key, value: nv / dv * def.scale, numerator: nv, denominatorValue: dv, weight: dv,
                                              status: status, method: method, note: nil, lineage: lineage))
                }
            } else {
                out.append(IndicatorValue(indicator: def.code, key: n.key, value: nil, numerator: n.value, denominatorValue: d.value, weight: nil,
                                          status: Symbols.isMissing(status) ? status : "..", method: method, note: n.note ?? d.note, lineage: lineage))
            }
        }
        return out
    }

    /// One harmonised count minus another, scaled.
    public static func difference(_ def: IndicatorDefinition, measure: [Harmonised], minus: [Harmonised]) -> [IndicatorValue] {
        var subtrahends: [SeriesKey: Harmonised] = [:]
        for m in minus { subtrahends[m.key] = m }
        return measure.map { a in
            let b = subtrahends[a.key]
            let method = max(a.method, b?.method ?? .asPublished)
            let lineage = Array(Set(a.lineage + (b?.lineage ?? []))).sorted { ($0.code, $0.year) < ($1.code, $1.year) }
            guard let b, let av = a.value, let bv = b.value, method != .notComputable else {
                let status = Symbols.strongest(a.status, b?.status)
                return IndicatorValue(indicator: def.code, key: a.key, value: nil, numerator: a.value, denominatorValue: b?.value, weight: nil,
                                      status: method == .notComputable ? nil : (Symbols.isMissing(status) ? status : ".."), method: method,
                                      note: a.note ?? b?.note ?? (b == nil ? "\(def.minus ?? "") has no value" : nil), lineage: lineage)
            }
            var status = Symbols.strongest(a.status, b.status)
            if status == "-" { status = nil }
            return IndicatorValue(indicator: def.code, key: a.key, value: (av - bv) * def.scale, numerator: av, denominatorValue: bv, weight: nil,
                                  status: status, method: method, note: nil, lineage: lineage)
        }
    }

    /// A rate or a count: the harmonised measure scaled.
    public static func direct(_ def: IndicatorDefinition, measure: [Harmonised]) -> [IndicatorValue] {
        measure.map { h in
            IndicatorValue(indicator: def.code, key: h.key, value: h.value.map { $0 * def.scale }, numerator: def.kind == .count ? h.value : nil,
                           denominatorValue: nil, weight: h.weight, status: h.status, method: h.method, note: h.note, lineage: h.lineage)
        }
    }
}
