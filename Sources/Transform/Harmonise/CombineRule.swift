import Foundation
import Ingest

/// How a measure combines across municipalities.
public enum CombineRule: Sendable, Equatable {
    /// Counts add up.
    case sum
    /// A rate published without its parts: weighted mean with the declared weight.
    case weightedMean
}
