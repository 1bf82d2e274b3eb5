import Foundation
import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// Warehouse's errors. Every case says how the command ends (`exitStatus`, the README's
/// table) and its description is the line the command line prints (docs/bad-input.md,
/// "Warehouse refusals").
public enum WarehouseError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    /// A warehouse that cannot be opened, written or published: nothing is published (1).
    case failed(String)
    /// A file at the warehouse path that is not this pipeline's warehouse: a directory, not an
    /// SQLite database, another program's database, or another pipeline's warehouse. It is
    /// left untouched; a usage error (2).
    case notThisPipeline(String)
    /// A warehouse that fails SQLite's checks; it is left as it is (1).
    case damaged(String)
    /// A run stopped by SIGINT or SIGTERM; nothing was published. 128 + the signal (130 for
    /// SIGINT, 143 for SIGTERM), as a shell reports a process the signal ended.
    case interrupted(signal: Int32)

    public var exitStatus: Int32 {
        switch self {
        case .failed, .damaged: return 1
        case .notThisPipeline: return 2
        case .interrupted(let signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .failed(let message), .notThisPipeline(let message), .damaged(let message): return message
        case .interrupted: return "interrupted by \(signalName ?? "")"
        }
    }

    /// The signal that stopped the run, for `interrupted`.
    public var signal: Int32? {
        if case .interrupted(let signal) = self { return signal }
        return nil
    }

    /// `SIGINT`, `SIGTERM` or `signal N`, for `interrupted`.
    public var signalName: String? {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case let s?: return "signal \(s)"
        case nil: return nil
        }
    }
}
