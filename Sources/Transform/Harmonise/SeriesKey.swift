import Foundation
import Ingest

/// The key of a series value: a region code, a year and a breakdown.
public struct SeriesKey: Sendable, Hashable, Comparable {
    public var region: String
    public var year: Int
    public var breakdown: String
    public init(_ region: String, _ year: Int, _ breakdown: String = "") {
        self.region = region
        self.year = year
        self.breakdown = breakdown
    }
    public static func < (a: SeriesKey, b: SeriesKey) -> Bool { (a.region, a.year, a.breakdown) < (b.region, b.year, b.breakdown) }
}
