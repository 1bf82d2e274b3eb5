import Foundation
import GRDB
import Ingest

/// Writes harmonised indicators as SSB-style long CSV or as JSON-stat 2.0, so the project's
/// own readers (and anyone else's) read them back to the same values and statuses.
public enum Exporter {
    public struct Options: Sendable {
        public var indicators: [String] = []
        public var regions: [String] = []
        /// The publication exported (its run and content hash), recorded in the file (JSON-stat
        /// `extension.vintage`) or beside it (CSV: `FILE.vintage.json`), so a number can be traced to it.
        public var vintageRunId: Int64?
        public var vintageHash: String?
        public var vintagePublishedAt: String?
        public init(indicators: [String] = [], regions: [String] = []) {
            self.indicators = indicators
            self.regions = regions
        }
    }

    struct Row_ {
        var indicator: String
        var indicatorName: String
        var region: String
        var regionName: String
        var year: Int
        var breakdown: String
        var value: Double?
        var status: String?
        var method: String
        var unit: String
        var decimals: Int
        var note: String?
    }

    static func rows(_ db: Database, _ o: Options) throws -> [Row_] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if !o.indicators.isEmpty {
            clauses.append("indicator IN (\(o.indicators.map { _ in "?" }.joined(separator: ",")))"); args += o.indicators
        }
        if !o.regions.isEmpty { clauses.append("region IN (\(o.regions.map { _ in "?" }.joined(separator: ",")))"); args += o.regions }
        let sql = """
            SELECT indicator, indicator_name, region, region_name, year, breakdown, value, status, method, unit, decimals, note FROM v_indicator
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")) ORDER BY region, year, indicator, breakdown
            """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
            Row_(
                indicator: $0[0], indicatorName: $0[1], region: $0[2], regionName: $0[3], year: $0[4], breakdown: $0[5], value: $0[6],
                status: $0[7], method: $0[8], unit: $0[9], decimals: $0[10], note: $0[11])
        }
    }

    /// The publication an export comes from: run id, content hash and time.
    static func vintage(_ o: Options) -> [String: Any]? {
        guard let run = o.vintageRunId, let hash = o.vintageHash else { return nil }
        return ["run_id": run, "hash": hash, "short_hash": String(hash.prefix(12)), "published_at": o.vintagePublishedAt ?? ""]
    }

    /// A value cell: the number (decimal comma) with a trailing `*` when preliminary, `-` for
    /// nil, or the status symbol; a value that could not be computed is `..`.
    static func cell(_ r: Row_) -> String {
        if r.status == "-" && (r.value ?? 0) == 0 { return "-" }
        guard let v = r.value else { return r.status.flatMap { Symbols.isMissing($0) ? $0 : nil } ?? ".." }
        var s = numberText(v).replacingOccurrences(of: ".", with: ",")
        if r.status == "*" { s += "*" }
        return s
    }

    /// Full precision, no exponent, no trailing zeros: the reader gets back the same double.
    static func numberText(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// The names of the columns after the value that say how each value was obtained. The CSV
    /// reader knows them and reads the column before them as the value (README, "Querying").
    public static let annotationColumns = ["method", "status", "note"]

    /// A quoted CSV field on one line.
    static func quoted(_ s: String) -> String {
        "\""
            + s.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(
                of: "\n", with: " "
            )
            .replacingOccurrences(of: "\r", with: " ") + "\""
    }

    /// SSB's v0 dataset dialect: `;`, decimal comma, quoted header and labels; UTF-8. After the
    /// value, each value's method (`split_allocated` is an estimate), status symbol and note.
    public static func csv(_ db: Database, to path: String, options: Options = Options()) throws -> Int {
        let rows = try rows(db, options)
        var out =
            "\"region\";\"år\";\"statistikkvariabel\";\"breakdown\";\"Harmoniserte indikatorer\";"
            + annotationColumns.map(quoted).joined(separator: ";") + "\r\n"
        for r in rows {
            let label = "\(r.region) \(r.regionName)".replacingOccurrences(of: "\"", with: "\"\"")
            out +=
                "\"\(label)\";\"\(r.year)\";\"\(r.indicator)\";\"\(r.breakdown.isEmpty ? "I alt" : r.breakdown)\";\(cell(r));"
                + "\(quoted(r.method));\(quoted(r.status ?? ""));\(quoted(r.note ?? ""))\r\n"
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        if let v = vintage(options) {
            try JSONSerialization.data(
                withJSONObject: v.merging(["file": (path as NSString).lastPathComponent]) { a, _ in a },
                options: [.sortedKeys, .prettyPrinted]
            )
            .write(to: URL(fileURLWithPath: path + ".vintage.json"), options: .atomic)
        }
        return rows.count
    }

    /// JSON-stat 2.0 with region, indicator (metric), breakdown and year as dimensions;
    /// `null` plus a status for symbols, as SSB writes them.
    public static func jsonstat(_ db: Database, to path: String, options: Options = Options()) throws -> Int {
        let rows = try rows(db, options)
        func ordered(_ f: (Row_) -> String) -> [String] {
            var seen = Set<String>(), out: [String] = []
            for r in rows where seen.insert(f(r)).inserted { out.append(f(r)) }
            return out
        }
        let regions = ordered(\.region).sorted(), indicators = ordered(\.indicator).sorted(),
            breakdowns = ordered { $0.breakdown.isEmpty ? "0" : $0.breakdown }.sorted()
        let years = ordered { String($0.year) }.sorted()
        let pos = { (list: [String]) in Dictionary(uniqueKeysWithValues: list.enumerated().map { ($0.element, $0.offset) }) }
        let rp = pos(regions), ip = pos(indicators), bp = pos(breakdowns), yp = pos(years)
        let n = regions.count * indicators.count * breakdowns.count * years.count
        var values: [Any] = Array(repeating: NSNull(), count: n)
        var status: [String: String] = [:]
        var methods: [String: String] = [:], notes: [String: String] = [:]
        var regionLabels: [String: String] = [:], indicatorLabels: [String: String] = [:], units: [String: Any] = [:]
        for r in rows {
            regionLabels[r.region] = r.regionName
            indicatorLabels[r.indicator] = r.indicatorName
            units[r.indicator] = ["base": r.unit, "decimals": r.decimals]
            let b = r.breakdown.isEmpty ? "0" : r.breakdown
            let i = ((rp[r.region]! * indicators.count + ip[r.indicator]!) * breakdowns.count + bp[b]!) * years.count + yp[String(r.year)]!
            methods[String(i)] = r.method
            if let n = r.note, !n.isEmpty { notes[String(i)] = n }
            if r.status == "-" && (r.value ?? 0) == 0 { status[String(i)] = "-"; continue }
            if let v = r.value {
                values[i] = v; if r.status == "*" { status[String(i)] = "*" }
            } else {
                status[String(i)] = r.status.flatMap { Symbols.isMissing($0) ? $0 : nil } ?? ".."
            }
        }
        // Cells with no row at all (a region without an indicator) are `.`: not applicable.
        for i in 0..<n where values[i] is NSNull && status[String(i)] == nil { status[String(i)] = "." }
        let doc: [String: Any] = [
            "version": "2.0", "class": "dataset",
            "label": "Harmoniserte indikatorer for omsorgstjenester",
            "source": "etl warehouse", "updated": ISO8601DateFormatter().string(from: Date()),
            "id": ["Region", "ContentsCode", "Breakdown", "Tid"],
            "size": [regions.count, indicators.count, breakdowns.count, years.count],
            "role": ["geo": ["Region"], "metric": ["ContentsCode"], "time": ["Tid"]],
            "dimension": [
                "Region": ["label": "region", "category": ["index": regions, "label": regionLabels]],
                "ContentsCode": ["label": "statistikkvariabel", "category": ["index": indicators, "label": indicatorLabels, "unit": units]],
                "Breakdown": [
                    "label": "breakdown",
                    "category": [
                        "index": breakdowns, "label": Dictionary(uniqueKeysWithValues: breakdowns.map { ($0, $0 == "0" ? "I alt" : $0) })
                    ]
                ],
                "Tid": ["label": "år", "category": ["index": years]]
            ],
            "value": values,
            "status": status,
            // How each value was obtained, by cell index as `status` is: `split_allocated` is an
            // estimate, not a published count; `note` says why a value is missing or estimated.
            "extension": ["method": methods, "note": notes].merging(vintage(options).map { ["vintage": $0] } ?? [:]) { a, _ in a }
        ]
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return rows.count
    }
}
