import Foundation

/// `etl rerun --as-of`: a past publication rebuilt into a new warehouse file (`AsOfRebuild`
/// prepares it, the runner reruns into it) is checked against what was published then.
public enum PastState {
    /// The content hash of the state rebuilt into `prepared.output`, and whether it is the
    /// hash the publication had (empty when the rebuild published nothing).
    public static func check(_ prepared: AsOfRebuild.Prepared) throws -> (hash: String, identical: Bool) {
        let hash = try AsOfRebuild.latestHash(warehousePath: prepared.output) ?? ""
        return (hash, hash == prepared.hash)
    }
}
