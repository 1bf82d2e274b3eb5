import CLibXML2
import Foundation

/// What kind of value an .xlsx cell holds (its `t` attribute).
public enum XLSXCellKind: String, Sendable, Hashable {
    /// No cell, or a cell without a value (formatting only).
    case empty
    /// A number as Excel stores it: decimal point, no thousands separator (`1634.6`, `1E-3`).
    case number
    /// Text: shared (`t="s"`), inline (`t="inlineStr"`) or a formula result (`t="str"`).
    case string
    /// `TRUE` or `FALSE`.
    case boolean
    /// An error value such as `#N/A`.
    case error
    /// An ISO 8601 date (`t="d"`), kept as text.
    case date
}
