import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// The indicator catalogue file.
public struct IndicatorCatalogFile: Codable, Sendable {
    public var indicators: [IndicatorEntry]
}
