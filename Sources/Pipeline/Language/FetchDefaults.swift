import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// Settings for fetching remote sources.
public struct FetchDefaults: Codable, Sendable {
    public var pxweb_base: String?
    public var klass_base: String?
    public var requests_per_minute: Int?
    public var max_cells: Int?
}
