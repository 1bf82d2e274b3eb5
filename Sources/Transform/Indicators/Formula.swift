import Foundation
import Ingest

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
