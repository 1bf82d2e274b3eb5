import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// Pipeline's errors: the pipeline language, its files and the runner. Every case says how the
/// command ends (`exitStatus`, the README's table); its description is what the command line
/// prints (each problem of `definition` on a line of its own).
public enum PipelineError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    /// Mistakes in a pipeline definition or its files, every one found (`etl validate` collects
    /// them): a usage error (2).
    case definition([String])
    /// A path in a pipeline that is empty or climbs out of the pipeline's folder (2).
    case path(String)
    /// A run that failed (a file not found, a source that cannot be read, a rule that cannot
    /// be applied): nothing is published (1).
    case run(String)
    /// Another run holds the warehouse's lock: this one publishes nothing (1).
    case busy(String)
    /// A command-line request the runner refuses before doing anything (`rerun --as-of` with a
    /// bad spec, an existing `--output`, nothing published then): a usage error (2).
    case refused(String)

    public var exitStatus: Int32 {
        switch self {
        case .definition, .path, .refused: return 2
        case .run, .busy: return 1
        }
    }

    public var description: String {
        switch self {
        case .definition(let problems): return problems.joined(separator: "\n")
        case .path(let message), .run(let message), .busy(let message), .refused(let message): return message
        }
    }
}
