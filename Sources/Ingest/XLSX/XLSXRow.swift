import CLibXML2
import Foundation

/// One row of a sheet: the values placed by their column letters (`C12` is index 2), with
/// empty strings in the gaps and nothing after the last non-empty cell.
public struct XLSXRow: Sendable, Hashable {
    /// The row number as Excel shows it (1-based).
    public var number: Int
    public var values: [String]
    public var kinds: [XLSXCellKind]

    public init(number: Int, values: [String], kinds: [XLSXCellKind]) {
        self.number = number
        self.values = values
        self.kinds = kinds
    }

    /// True when no cell holds a value.
    public var isEmpty: Bool { values.allSatisfy { $0.isEmpty } }
}

// MARK: - Reader
