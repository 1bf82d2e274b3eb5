import Foundation
import Ingest

public struct CatalogError: ExitStatusError, CustomStringConvertible, Sendable {
    /// A catalogue or register that cannot be read: nothing is published.
    public var exitStatus: Int32 { 1 }
    public var description: String
    public init(_ d: String) { description = d }
}
