import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// Builds `StagingBatch`es on the reading thread: numbers measures in order of first sight,
/// copies texts into the batch and hands the batch over when asked.
public struct StagingEncoder: Sendable {
    var ordinals: [ByteKey: Int32] = [:]
    var recent = IdentityCache<Int32>(capacity: 2048)
    public private(set) var batch: StagingBatch
    let reserve: Int

    public init(file: String, reserve: Int = 4096) {
        self.reserve = reserve
        batch = StagingBatch(file: file)
        batch.rows.reserveCapacity(reserve)
        batch.text.reserveCapacity(reserve * 16)
    }

    /// Rows and rejects in the current batch.
    public var count: Int { batch.rows.count + batch.rejects.count }

    @inline(__always)
    mutating func add(_ s: String) -> StagingBatch.TextRef {
        var s = s
        let offset = UInt32(batch.text.count)
        s.withUTF8 { batch.text.append(contentsOf: $0) }
        return StagingBatch.TextRef(offset: offset, length: UInt32(batch.text.count) - offset)
    }

    /// Adds a row; a missing value without a symbol gets `..`.
    public mutating func append(
        measure: String, region: String, period: String, breakdown: String, value: Double?, status: String?,
        inValidity: Bool, location: SourceLocation
    ) {
        let m: Int32
        if let k = recent.value(for: measure) {
            m = k
        } else {
            let key = ByteKey(measure)
            if let k = ordinals[key] {
                m = k
            } else {
                m = Int32(ordinals.count)
                ordinals[key] = m
                batch.newMeasures.append(measure)
            }
            recent.store(m, for: measure)
        }
        var flags: UInt8 = 0
        if value != nil { flags |= StagingBatch.Row.hasValue }
        if inValidity { flags |= StagingBatch.Row.inValidity }
        let status = status ?? (value == nil ? ".." : nil)
        let empty = StagingBatch.TextRef(offset: 0, length: 0)
        var statusRef = empty, pathRef = empty
        if let status { flags |= StagingBatch.Row.hasStatus; statusRef = add(status) }
        if let p = location.path { flags |= StagingBatch.Row.hasPath; pathRef = add(p) }
        if location.line != nil { flags |= StagingBatch.Row.hasLine }
        if location.column != nil { flags |= StagingBatch.Row.hasColumn }
        let regionRef = add(region), periodRef = add(period)
        let breakdownRef = breakdown.isEmpty ? empty : add(breakdown)
        batch.rows.append(
            StagingBatch.Row(
                measure: m, column: Int32(truncatingIfNeeded: location.column ?? 0), line: Int64(location.line ?? 0),
                value: value ?? 0, region: regionRef, period: periodRef, breakdown: breakdownRef,
                status: statusRef, path: pathRef, flags: flags))
    }

    public mutating func reject(location: String, error: String, raw: String) {
        batch.rejects.append(StagingBatch.Reject(location: location, error: error, raw: raw))
    }

    /// The batch so far; the encoder starts a new one (for the same file unless told otherwise).
    public mutating func take(nextFile: String? = nil) -> StagingBatch {
        let b = batch
        batch = StagingBatch(file: nextFile ?? b.file)
        batch.rows.reserveCapacity(reserve)
        batch.text.reserveCapacity(reserve * 16)
        return b
    }
}
