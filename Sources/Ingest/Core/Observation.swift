/// Where a value came from, precise enough for a person to open the file and find it:
/// a line and column for text formats, a JSON path or an XML element for structured ones.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// JSON path (`value[17]`) or XML element path (`DataSet/Series[3]/Obs[2]`).
    public var path: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        if let path { s += (line == nil ? ":" : " ") + path }
        return s
    }
}

/// An error a reader raises for input it cannot read. It always names the place and says
/// what was expected and what was found, so the message can go straight to the user.
public struct ReadError: Error, Sendable, CustomStringConvertible, Equatable {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): error: \(message)" }
}

/// The role a dimension plays. Readers guess it from the format (JSON-stat `role`, SSB's
/// well-known ids and header words); a pipeline may override it.
public enum DimensionRole: String, Sendable, Codable {
    case geo, time, metric, other
}

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

public struct Dimension: Sendable {
    public var id: String
    public var label: String?
    public var role: DimensionRole
    /// Category labels by code, filled in as the reader sees them.
    public var categories: [String: CategoryLabel]

    public init(id: String, label: String? = nil, role: DimensionRole, categories: [String: CategoryLabel] = [:]) {
        self.id = id
        self.label = label
        self.role = role
        self.categories = categories
    }
}

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

    public init(dimensions: [Dimension], label: String? = nil, updated: String? = nil, source: String? = nil, metadata: [String: String] = [:]) {
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

/// One cell of a dataset as the file has it: a category code per dimension (in schema
/// order), a number or nothing, and SSB's status symbol.
public struct Cell: Sendable {
    public var coordinates: [String]
    public var value: Double?
    public var status: String?
    public var location: SourceLocation

    public init(coordinates: [String], value: Double?, status: String?, location: SourceLocation) {
        self.coordinates = coordinates
        self.value = value
        self.status = status
        self.location = location
    }
}

/// Receives what a reader reads, in file order. Readers call `dataset` before the cells
/// of each dataset (a JSON-stat collection has several) and again with the completed
/// schema when the dataset ends, since a CSV only knows all its labels at its end.
public protocol CellSink {
    mutating func begin(_ schema: DatasetSchema) throws
    mutating func cell(_ cell: Cell, schema: DatasetSchema) throws
    /// A cell from a reader that has the row's original text (a CSV line, quotes and
    /// delimiters as in the file), for a sink that rejects the cell to keep it in `etl_reject.raw`.
    /// `original` is called only when needed. By default the same as `cell(_:schema:)`.
    mutating func cell(_ cell: Cell, schema: DatasetSchema, original: () -> String) throws
    mutating func end(_ schema: DatasetSchema) throws
    /// A row-level problem (a ragged row, a cell that is not a number). A pipeline records it
    /// and goes on under its reject limit; by default it stops the read.
    mutating func reject(_ error: ReadError, raw: String) throws
}

extension CellSink {
    public mutating func begin(_ schema: DatasetSchema) throws {}
    public mutating func end(_ schema: DatasetSchema) throws {}
    public mutating func cell(_ cell: Cell, schema: DatasetSchema, original: () -> String) throws { try self.cell(cell, schema: schema) }
    public mutating func reject(_ error: ReadError, raw: String) throws { throw error }
}
