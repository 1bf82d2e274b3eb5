import Ingest

/// How one (code, year) contributes to a target code.
public struct MappingPart: Sendable, Hashable {
    public enum Via: Int, Sendable, Comparable {
        case same = 0, renumbered, merged, split
        public static func < (a: Via, b: Via) -> Bool { a.rawValue < b.rawValue }
    }
    public var target: String
    /// The splits on the path, each needing an allocation share (empty when none).
    public var splits: [SplitStep]
    public var via: Via
}
