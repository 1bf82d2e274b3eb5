import Foundation
import Ingest

/// Report's errors: what `etl report` could not do. Every case says how the command ends
/// (`exitStatus`, the README's table); its description is the line printed.
public enum ReportError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    /// A page that could not be written; the message names it (1).
    case cannotWrite(String)

    public var exitStatus: Int32 {
        switch self {
        case .cannotWrite: return 1
        }
    }

    public var description: String {
        switch self {
        case .cannotWrite(let message): return message
        }
    }
}
