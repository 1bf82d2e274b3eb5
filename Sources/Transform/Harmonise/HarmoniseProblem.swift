import Foundation
import Ingest

public struct HarmoniseProblem: Error, Sendable {
    public var message: String
    public init(_ m: String) { message = m }
}
