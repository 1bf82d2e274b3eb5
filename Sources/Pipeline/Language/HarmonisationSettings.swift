import Fetch
import Foundation
import Ingest
import Transform
import Yams

public struct HarmonisationSettings: Codable, Sendable {
    /// `latest` (default), a year, or `stable` (stable units).
    public var structure_year: StructureYearSetting?
    public var split_key: String?
    public var split_shares: [SplitShareEntry]?
    public var border_exceptions: [BorderExceptionEntry]?
    public var tolerance: Double?
    /// Municipalities re-established on an earlier code's territory, beyond the register's.
    public var reestablished: [ReestablishedEntry]?

    public struct ReestablishedEntry: Codable, Sendable {
        public var code: String
        public var from: Int
        public var same_as: String
        public var same_as_to: Int
        public var note: String?
    }

    public struct SplitShareEntry: Codable, Sendable {
        public var old: String
        public var new: String
        public var year: Int
        public var share: Double
        public var basis: String?
    }
    public struct BorderExceptionEntry: Codable, Sendable {
        public var old: String
        public var new: String
        public var year: Int
        public var note: String?
    }
}
