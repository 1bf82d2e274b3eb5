import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// A measure: cells of one source, selected and summed, with the rule for combining municipalities.
public struct MeasureDefinition: Codable, Sendable {
    public var source: String
    /// The metric category (ContentsCode, or its label in files without codes); several are summed.
    public var contents: Selection?
    /// Other dimensions: the categories to keep; several are summed.
    public var select: [String: Selection]?
    /// sum (counts) or weighted_mean (rates published without parts).
    public var combine: CombineRule?
    /// For weighted_mean: the measure whose values weight the parts.
    public var weight: String?
    /// `zero`: a municipality with no row counts as zero (registers listing only non-zero
    /// counts, such as grants); default `missing`.
    public var absent: AbsentRule?

    public var rule: CombineRule { combine ?? .sum }
    public var absentIsZero: Bool { absent == .zero }
}
