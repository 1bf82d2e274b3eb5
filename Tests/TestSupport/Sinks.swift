import Foundation
import Ingest

/// Keeps everything a reader sends: schemas, cells (also per dataset, for readers of
/// collections), and rejects. `stopAtReject` makes it behave like the protocol's default.
public struct CollectingSink: CellSink {
    public var begun: [DatasetSchema] = []
    public var ended: [DatasetSchema] = []
    public var cells: [Cell] = []
    /// The cells of each dataset, in the order the datasets began.
    public var datasets: [[Cell]] = []
    public var rejects: [(error: ReadError, raw: String)] = []
    public var stopAtReject: Bool

    public init(stopAtReject: Bool = false) { self.stopAtReject = stopAtReject }

    public mutating func begin(_ schema: DatasetSchema) throws {
        begun.append(schema)
        datasets.append([])
    }

    public mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        cells.append(cell)
        if datasets.isEmpty { datasets.append([]) }
        datasets[datasets.count - 1].append(cell)
    }

    public mutating func end(_ schema: DatasetSchema) throws { ended.append(schema) }

    public mutating func reject(_ error: ReadError, raw: String) throws {
        if stopAtReject { throw error }
        rejects.append((error, raw))
    }

    /// The first cell at the given coordinates.
    public func at(_ coordinates: String...) -> Cell? { cells.first { $0.coordinates == coordinates } }

    /// Coordinates, value and status of every cell (`a|b=1.0/..`), for comparing readers.
    public var values: [String] {
        cells.map { "\($0.coordinates.joined(separator: "|"))=\($0.value.map { String($0) } ?? "nil")/\($0.status ?? "")" }
    }
}

/// Counts and sums without keeping cells, so a test's memory reflects the reader alone.
public struct CountingSink: CellSink {
    public var count = 0
    public var sum = 0.0
    /// Cells without a value (a symbol or an empty cell).
    public var missing = 0
    public var statuses: [String: Int] = [:]
    public var dimensions: [String] = []
    public var lastCoordinates: [String] = []
    public var lastPath: String? = nil

    public init() {}

    public mutating func begin(_ schema: DatasetSchema) throws { dimensions = schema.dimensions.map(\.id) }

    public mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        count += 1
        if let v = cell.value { sum += v } else { missing += 1 }
        if let s = cell.status { statuses[s, default: 0] += 1 }
        lastCoordinates = cell.coordinates
        lastPath = cell.location.path
    }
}
