/// What a reader knows about a dataset: its dimensions in order and its metadata.
public struct DatasetSchema: Sendable {
    public var dimensions: [Dimension]
    public var label: String?
    public var updated: String?
    public var source: String?
    /// Free-form metadata kept as published (`note`, `extension.px`, units), as JSON text or plain text.
    public var metadata: [String: String]
    /// The column (1-based) each dimension is read from, where the reader knows it (a CSV's
    /// dimension columns); nil or missing otherwise. A rejected cell's location points there.
    public var dimensionColumns: [Int?] = []

    public init(
        dimensions: [Dimension], label: String? = nil, updated: String? = nil, source: String? = nil, metadata: [String: String] = [:]
    ) {
        self.dimensions = dimensions
        self.label = label
        self.updated = updated
        self.source = source
        self.metadata = metadata
    }

    public func index(ofRole role: DimensionRole) -> Int? {
        dimensions.firstIndex { $0.role == role }
    }

    /// The table's footnotes as a user should see them: JSON-stat `note` (dataset and
    /// dimensions), PX `NOTE`/`NOTEX`, a matrix CSV's footer; nil when there are none.
    public var footnotes: String? {
        var parts: [String] = []
        for key in ["note", "NOTE", "NOTEX", "footer"] { if let t = metadata[key], !t.isEmpty { parts.append(t) } }
        for d in dimensions { if let t = metadata["note.\(d.id)"], !t.isEmpty { parts.append("\(d.id): \(t)") } }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }
}
