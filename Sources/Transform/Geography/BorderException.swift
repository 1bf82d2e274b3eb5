import Foundation

/// A change KLASS records that must not be treated as a change of territory: a small
/// border adjustment between existing municipalities (2017: part of 0720 Stokke to 0704 Tønsberg).
public struct BorderException: Sendable, Hashable, Codable {
    public var oldCode: String
    public var newCode: String
    public var year: Int
    public var note: String?

    public init(oldCode: String, newCode: String, year: Int, note: String? = nil) {
        self.oldCode = oldCode
        self.newCode = newCode
        self.year = year
        self.note = note
    }

    /// The exceptions known for the shipped 2017–2024 catalogue.
    public static let known: [BorderException] = [
        BorderException(
            oldCode: "0720", newCode: "0704", year: 2017,
            note: "border adjustment: a part of Stokke moved to Tønsberg; Stokke merged into Sandefjord")
    ]
}
