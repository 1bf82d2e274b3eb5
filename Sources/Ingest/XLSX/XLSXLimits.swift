import CLibXML2
import Foundation

/// Bounds that keep a hostile or broken workbook from using unbounded memory or time.
/// The reader never extracts to disk; these guard the bytes it inflates in memory.
public struct XLSXLimits: Sendable, Equatable {
    /// Total uncompressed bytes the reader inflates per read (workbook, relationships,
    /// shared strings and the sheet together). Counted as bytes stream, not taken from headers.
    public var maxUncompressedBytes: Int
    /// Largest accepted ratio of uncompressed to compressed size for one entry (a zip bomb
    /// inflates by 1000:1; real sheet XML by 5–50:1).
    public var maxCompressionRatio: Int
    /// Entries smaller than this are not held to the ratio (tiny files compress oddly).
    public var ratioCheckMinimumBytes: Int
    /// Most entries accepted in the archive's central directory.
    public var maxEntries: Int

    public init(
        maxUncompressedBytes: Int = 200 << 20, maxCompressionRatio: Int = 200,
        ratioCheckMinimumBytes: Int = 1 << 20, maxEntries: Int = 10_000
    ) {
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioCheckMinimumBytes = ratioCheckMinimumBytes
        self.maxEntries = maxEntries
    }
}

// MARK: - Rows
