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
