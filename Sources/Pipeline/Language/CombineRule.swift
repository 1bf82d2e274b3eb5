import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// How a measure combines across municipalities (docs/PIPELINE.md, `measures`).
public enum CombineRule: String, Codable, Sendable, CaseIterable {
    /// Counts: parts are added up.
    case sum
    /// Rates published without their parts: a mean weighted by another measure.
    case weightedMean = "weighted_mean"
}
