import Fetch
import Foundation
import Ingest
import Transform
import Yams

public struct IndicatorEntry: Codable, Sendable {
    public var code: String
    public var name: String
    public var name_en: String?
    public var unit: String
    public var kind: IndicatorKind
    public var numerator: String?
    public var denominator: String?
    public var measure: String?
    public var weight: String?
    public var minus: String?
    public var scale: Double?
    public var decimals: Int?
    public var population: String?
    public var source_tables: [String]?
    public var definition: String
    /// A value that changes by more than this factor from one year to the next is warned about.
    public var max_jump: Double?

    public var definitionValue: IndicatorDefinition {
        IndicatorDefinition(
            code: code, name: name, nameEn: name_en, unit: unit, kind: kind, numerator: numerator, denominator: denominator,
            measure: measure, weight: weight, minus: minus, scale: scale ?? 1, decimals: decimals ?? 1, population: population,
            sourceTables: source_tables ?? [], definition: definition, maxJump: max_jump)
    }
}
