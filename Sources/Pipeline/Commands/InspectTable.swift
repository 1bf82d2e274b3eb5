import Foundation
import Ingest
import Transform

/// `etl inspect`: what a reader sees in a file, as tab-separated text, one row per cell (one
/// column per dimension, then value and status), so a statistician can check a file before
/// adding it to a pipeline. The sink hands the text on in chunks (`emit`) so memory stays
/// bounded; the command line writes it to standard output.
public struct InspectTable: CellSink {
    /// Rows beyond this many are counted but not written (nil: all).
    public let limit: Int?
    /// Cells seen (also those beyond the limit).
    public private(set) var count = 0
    /// The region codes seen (of the geo dimension).
    public private(set) var regions = Set<String>()
    /// Region labels by code, as the reader gave them.
    public private(set) var names: [String: String] = [:]
    /// Datasets seen; each starts with its header line, after a blank line from the second on.
    public private(set) var datasets = 0
    var geo: Int? = nil
    var buffer = ""
    let emit: (String) -> Void

    public init(limit: Int?, emit: @escaping (String) -> Void) {
        self.limit = limit
        self.emit = emit
    }

    public mutating func begin(_ schema: DatasetSchema) throws {
        datasets += 1
        geo = schema.index(ofRole: .geo)
        flush()
        if datasets > 1 { buffer += "\n" }
        buffer += (schema.dimensions.map(\.id) + ["value", "status"]).joined(separator: "\t") + "\n"
    }

    public mutating func end(_ schema: DatasetSchema) throws {
        if let g = schema.index(ofRole: .geo) { for (code, label) in schema.dimensions[g].categories { names[code] = label.name } }
    }

    public mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        count += 1
        if let geo, geo < cell.coordinates.count { regions.insert(cell.coordinates[geo]) }
        if let limit, count > limit { return }
        let v = cell.value.map(InspectTable.format) ?? ""
        buffer += (cell.coordinates + [v, cell.status ?? ""]).joined(separator: "\t") + "\n"
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    /// Hands on what is buffered; call once the reader is done (or has failed).
    public mutating func flush() {
        if !buffer.isEmpty { emit(buffer); buffer = "" }
    }

    /// Shortest text that reads back as the same number, with '.' as decimal.
    public static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A KLASS document as rows: its header line, one tab-separated line per change, code or
    /// correspondence item, and a summary (`KLASS change list, DIALECT; N changes`).
    public static func klass(_ document: KlassDocument) -> (header: String, rows: [String], summary: String) {
        switch document.content {
        case .changes(let rows):
            return (
                "oldCode\toldName\tnewCode\tnewName\tchangeOccurred",
                rows.map { "\($0.oldCode)\t\($0.oldName)\t\($0.newCode)\t\($0.newName)\t\($0.changeOccurred)" },
                "KLASS change list, \(document.dialect); \(rows.count) changes"
            )
        case .codes(let rows):
            return (
                "code\tparentCode\tlevel\tname\tshortName\tnotes\tvalidFrom\tvalidTo",
                rows.map {
                    [$0.code, $0.parentCode, $0.level, $0.name, $0.shortName, $0.notes, $0.validFrom, $0.validTo].joined(separator: "\t")
                },
                "KLASS code list, \(document.dialect); \(rows.count) codes"
            )
        case .correspondence(let rows):
            return (
                "sourceCode\tsourceName\ttargetCode\ttargetName",
                rows.map { "\($0.sourceCode)\t\($0.sourceName)\t\($0.targetCode)\t\($0.targetName)" },
                "KLASS correspondence, \(document.dialect); \(rows.count) items"
            )
        }
    }

    /// Which years' municipality structure the kommune codes seen fit (docs/PIPELINE.md,
    /// "Which structure is this file?"); nil when the file has no kommune code.
    public func structureFit(_ register: Register) -> String? {
        let kommuner = regions.filter { RegionLevel.of($0) == .kommune && !$0.hasPrefix("K-") || Register.specialKind($0) != nil }
        guard !kommuner.isEmpty else { return nil }
        return register.fit(codes: kommuner, names: names).summary
    }
}
