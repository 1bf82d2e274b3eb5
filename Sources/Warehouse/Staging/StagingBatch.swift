import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// Staged rows on their way from the reading thread to the writing thread, laid out for
/// binding: every text of the batch in one byte buffer, and per row its offsets, value and
/// location. The writer binds straight into the buffer, so it copies, allocates and
/// reference-counts nothing per row; the reader, which has time to spare, does the encoding.
public struct StagingBatch: Sendable {
    /// Where a text lies in `text`.
    public struct TextRef: Sendable {
        var offset: UInt32
        var length: UInt32
    }

    public struct Row: Sendable {
        /// The measure's number in the source, in order of first sight (see `newMeasures`).
        var measure: Int32
        var column: Int32
        var line: Int64
        var value: Double
        var region: TextRef
        var period: TextRef
        var breakdown: TextRef
        var status: TextRef
        var path: TextRef
        var flags: UInt8
        static let hasValue: UInt8 = 1, inValidity: UInt8 = 2, hasStatus: UInt8 = 4, hasPath: UInt8 = 8, hasLine: UInt8 = 16,
            hasColumn: UInt8 = 32
    }

    /// A row refused while reading, for `etl_reject`.
    public struct Reject: Sendable {
        public var location: String
        public var error: String
        public var raw: String
    }

    /// The file the rows were read from (the first part of their locations).
    public var file: String
    var text: [UInt8] = []
    var rows: [Row] = []
    /// Labels of the measures first seen in this batch, in the order of their numbers.
    var newMeasures: [String] = []
    public var rejects: [Reject] = []

    public init(file: String) { self.file = file }
}
