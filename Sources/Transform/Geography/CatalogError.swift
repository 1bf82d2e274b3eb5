import Foundation
import Ingest

/// Transform's errors: a change catalogue, register or code list that cannot be read. Each
/// message names the file (and line) and what was expected; nothing is published (exit 1).
public enum CatalogError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    /// A file whose content is not what it must be (header, field count, code, year, date, kind).
    case invalid(String)
    /// A file that is not there.
    case missing(String)

    public var exitStatus: Int32 {
        switch self {
        case .invalid, .missing: return 1
        }
    }

    public var description: String {
        switch self {
        case .invalid(let message), .missing(let message): return message
        }
    }
}
