import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// What a municipality with no row means for a measure.
public enum AbsentRule: String, Codable, Sendable, CaseIterable {
    /// None: registers that list only non-zero counts.
    case zero
    /// Not known: a merged value with a part missing is missing.
    case missing
}
