import Foundation
import Ingest

/// Workload's errors: a workload that cannot be written as asked. Every case says how the
/// command ends (`exitStatus`); its description is the line printed.
public enum WorkloadError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    /// An unknown format, no observations, a change catalogue missing or unreadable, a file
    /// that cannot be created or written: `etl-bench generate` exits 2, as it always has.
    case refused(String)

    public var exitStatus: Int32 {
        switch self {
        case .refused: return 2
        }
    }

    public var description: String {
        switch self {
        case .refused(let message): return message
        }
    }
}
