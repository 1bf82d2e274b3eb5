import Foundation
import Ingest

/// How a harmonised value was obtained.
public enum Method: String, Sendable, Codable, CaseIterable, Comparable {
    case asPublished = "as_published"
    case renumbered
    case merged
    case splitAllocated = "split_allocated"
    case notComputable = "not_computable"

    var rank: Int { Method.allCases.firstIndex(of: self)! }
    public static func < (a: Method, b: Method) -> Bool { a.rank < b.rank }
}
