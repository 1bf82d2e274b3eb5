import Ingest

public enum MappingResult: Sendable, Hashable {
    case mapped([MappingPart])
    /// The code cannot be expressed in the target structure, with the reason.
    case notComputable(String)
}
