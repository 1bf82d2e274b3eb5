import Foundation
import Ingest

public struct Harmonised: Sendable {
    public var key: SeriesKey
    public var value: Double?
    public var status: String?
    public var method: Method
    /// For a rate: the summed weight behind it (so groups can weight it again).
    public var weight: Double?
    public var note: String?
    public var lineage: [LineagePart]
}
