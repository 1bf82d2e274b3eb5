import Foundation
import Ingest

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

    public init(
        code: String, name: String, nameEn: String? = nil, unit: String, kind: IndicatorKind, numerator: String? = nil,
        denominator: String? = nil,
        measure: String? = nil, weight: String? = nil, minus: String? = nil, scale: Double = 1, decimals: Int = 1,
        population: String? = nil,
        sourceTables: [String] = [], definition: String, maxJump: Double? = nil
    ) {
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
