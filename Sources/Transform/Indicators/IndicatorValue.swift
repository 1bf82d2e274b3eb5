import Foundation
import Ingest

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
