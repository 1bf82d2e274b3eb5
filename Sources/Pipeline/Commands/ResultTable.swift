import GRDB

/// Rows read from the warehouse for a command to print: column names and values as SQLite
/// gives them back.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[DatabaseValue]]

    public init(columns: [String], rows: [[DatabaseValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The rows of a query, with their columns (none when there is no row).
    public init(_ rows: [Row]) {
        self.init(columns: rows.first.map { Array($0.columnNames) } ?? [], rows: rows.map { Array($0.databaseValues) })
    }
}
