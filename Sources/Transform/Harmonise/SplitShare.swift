import Foundation
import Ingest

/// Shares declared for partial splits (old code → new code, in the year of the split).
public struct SplitShare: Sendable, Hashable, Codable {
    public var oldCode: String
    public var newCode: String
    public var year: Int
    public var share: Double
    public var basis: String?
    public init(oldCode: String, newCode: String, year: Int, share: Double, basis: String? = nil) {
        self.oldCode = oldCode
        self.newCode = newCode
        self.year = year
        self.share = share
        self.basis = basis
    }
}
