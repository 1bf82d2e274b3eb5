import Foundation
import Ingest

public struct HarmoniseResult: Sendable {
    public var values: [Harmonised]
    /// Cells of codes outside their validity (set aside, never harmonised).
    public var outOfValidity: Int
    /// Disagreements between a published back-cast value and the value from its parts.
    public var diagnostics: [Diagnostic]
    public var warnings: [String] { diagnostics.map(\.message) }
    /// Cells of codes that are no kommune of any structure (Svalbard, `9999`, `0716u`): set aside.
    public var special: Int = 0
}
