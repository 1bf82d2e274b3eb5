/// A category label as published, with a validity period SSB writes in brackets
/// (`3014 Indre Østfold (2020-2023)`) split off from the name.
public struct CategoryLabel: Sendable, Hashable {
    public var name: String
    public var validFrom: Int?
    public var validTo: Int?
    /// A footnote the source attaches to this category (JSON-stat `category.note`).
    public var note: String?

    public init(name: String, validFrom: Int? = nil, validTo: Int? = nil, note: String? = nil) {
        self.name = name
        self.validFrom = validFrom
        self.validTo = validTo
        self.note = note
    }
}
