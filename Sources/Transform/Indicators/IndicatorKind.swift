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
