import Foundation

/// Statistics of one group for one indicator, year and breakdown.
public struct GroupValue: Sendable, Equatable {
    public var group: String
    public var indicator: String
    public var year: Int
    public var breakdown: String
    /// Plain mean of the municipal values.
    public var mean: Double?
    /// Sum of numerators over sum of denominators (ratios), weight-weighted mean (rates), or sum (counts).
    public var weighted: Double?
    public var median: Double?
    public var min: Double?
    public var max: Double?
    /// Municipalities with a value, and members in all.
    public var count: Int
    public var members: Int
}
