import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// A problem with a pipeline definition or its files. `validate` collects every one.
public struct DefinitionError: ExitStatusError, CustomStringConvertible, Sendable {
    /// A mistake in the pipeline definition: a usage error.
    public var exitStatus: Int32 { 2 }
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}
