import Foundation
import Ingest

/// A source code and the share of it that went into a harmonised value.
public struct LineagePart: Sendable, Hashable, Codable {
    public var code: String
    public var year: Int
    public var share: Double
    public init(code: String, year: Int, share: Double) {
        self.code = code
        self.year = year
        self.share = share
    }
}
