import Ingest

/// One split on a mapping path: the old code's territory is allocated to `newCode`.
public struct SplitStep: Sendable, Hashable {
    public var oldCode: String
    public var newCode: String
    public var year: Int
    /// All successors of the old code in that year.
    public var successors: [String]
    /// True when every successor is made of the old code only, so their own sizes give the key.
    public var pure: Bool
}
