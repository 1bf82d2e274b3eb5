import Foundation

/// A municipality whose territory is exactly that of an earlier code: 1580 Haram (from 2024)
/// is the territory 1534 Haram had until 2019 (docs/PIPELINE.md, "Re-established municipalities").
public struct Reestablishment: Sendable, Hashable, Codable {
    public var code: String
    /// The first year of the re-established code.
    public var from: Int
    public var sameAs: String
    /// The last year of the earlier code.
    public var sameAsTo: Int
    public var note: String?

    public init(code: String, from: Int, sameAs: String, sameAsTo: Int, note: String? = nil) {
        self.code = code
        self.from = from
        self.sameAs = sameAs
        self.sameAsTo = sameAsTo
        self.note = note
    }
}
