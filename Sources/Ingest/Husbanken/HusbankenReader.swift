// Why this file is long: the column mapping, the value rules for kinds, stages and purposes, and
// the row loop of one export format.

import Foundation

/// Which columns of a Husbanken investment-grant export hold what (docs/FORMATS.md, "Husbanken"). Column
/// names vary between exports, so a pipeline declares them; names match ignoring case and
/// repeated blanks. YAML keys are snake_case:
///
///     husbanken:
///       municipality: Kommunenr
///       year: År
///       kind: Type plass
///       stage: Status
///       purpose: Formål        # optional
///       places: Antall enheter
///       amount: Tilskudd       # optional
///       sheet: Tilsagn 2021    # optional, .xlsx only
public struct HusbankenMapping: Sendable, Codable, Equatable {
    /// The column with the municipality number: `3118`, `3118 Indre Østfold`, `0301 - Oslo`.
    public var municipality: String?
    /// The column with the municipality name only; the code comes from a name lookup.
    public var municipalityName: String?
    public var year: String
    /// `sykehjem` or `omsorgsbolig` (also `Sykehjemsplass`, `Omsorgsboliger`, …).
    public var kind: String
    /// `tilsagn` or `utbetalt` (also `Tilsagn`, `Utbetaling`, …).
    public var stage: String
    /// Net addition (`netto tilvekst`, post 69) or renewal (`fornyelse`, post 63).
    public var purpose: String?
    /// Number of places or dwelling units.
    public var places: String
    /// Grant in kroner.
    public var amount: String?
    /// The sheet of an .xlsx workbook to read; the first visible sheet when nil.
    public var sheet: String?

    enum CodingKeys: String, CodingKey {
        case municipality
        case municipalityName = "municipality_name"
        case year, kind, stage, purpose, places, amount, sheet
    }

    public init(
        municipality: String? = nil, municipalityName: String? = nil, year: String, kind: String, stage: String,
        purpose: String? = nil, places: String, amount: String? = nil, sheet: String? = nil
    ) {
        self.municipality = municipality
        self.municipalityName = municipalityName
        self.year = year
        self.kind = kind
        self.stage = stage
        self.purpose = purpose
        self.places = places
        self.amount = amount
        self.sheet = sheet
    }
}

/// A municipality name the lookup does not know for that year, with the names it thinks
/// were meant (`Indre Østfold (3014)`).
public struct NameLookupError: Error, Sendable, Equatable {
    public var name: String
    public var year: Int
    public var nearMatches: [String]
    /// True when the name belongs to several municipalities that year (`nearMatches` lists them).
    public var ambiguous: Bool

    public init(name: String, year: Int, nearMatches: [String] = [], ambiguous: Bool = false) {
        self.name = name
        self.year = year
        self.nearMatches = nearMatches
        self.ambiguous = ambiguous
    }
}

/// Reads Husbanken investment-grant (investeringstilskudd) exports: semicolon CSV
/// (Windows-1252 unless the bytes are UTF-8, decimal comma, thousands separated by spaces) or
/// an .xlsx workbook, one row per municipality, year, kind and stage, driven by a
/// `HusbankenMapping`.
///
/// Each row gives a cell `plasser` and, when `amount` is mapped, a cell `tilskudd_kr`, over
/// the dimensions `region` (geo), `år` (time), `art` (`sykehjem`/`omsorgsbolig`), `fase`
/// (`tilsagn`/`utbetalt`), `formal` (`netto_tilvekst`/`fornyelse`/`ukjent`, only when mapped)
/// and `ContentsCode` (metric). A row with a value the reader does not recognise is rejected
/// through `sink.reject`, naming the column, the place, the value and what is accepted.
///
/// The header is the first row (of the first 50) that has every mapped column, so title
/// lines above it are skipped. Locations are `file:line:column` for CSV and
/// `file:sheet row N column X` for .xlsx.
public final class HusbankenReader {
    public enum Format: String, Sendable { case csv, xlsx }

    public let path: String
    public let mapping: HusbankenMapping
    public let format: Format
    /// The CSV's text encoding (sniffed unless forced); nil for .xlsx.
    public let encoding: TextEncoding?
    private let file: String
    private let resolveName: (@Sendable (String, Int) -> Result<String, NameLookupError>)?
    private let xlsxLimits: XLSXLimits
    private let bomLength: Int
    private let delimiter: UInt8

    /// Rows searched for the header before giving up.
    static let headerSearchRows = 50

    public init(
        path: String, mapping: HusbankenMapping, displayName: String? = nil, encoding: TextEncoding? = nil,
        resolveName: (@Sendable (String, Int) -> Result<String, NameLookupError>)? = nil,
        xlsxLimits: XLSXLimits = XLSXLimits()
    ) throws {
        self.path = path
        self.mapping = mapping
        let file = displayName ?? path
        self.file = file
        self.resolveName = resolveName
        self.xlsxLimits = xlsxLimits

        if mapping.municipality == nil && mapping.municipalityName == nil {
            throw ReadError(
                SourceLocation(file: file),
                "the Husbanken mapping names no municipality column; set municipality (the column with the kommune number) or municipality_name (the column with the name)"
            )
        }
        if mapping.municipality == nil && resolveName == nil {
            throw ReadError(
                SourceLocation(file: file),
                "the Husbanken mapping has only municipality_name (\"\(mapping.municipalityName!)\"), which needs a name lookup to find codes; map municipality to a column with kommune numbers instead"
            )
        }

        let (head, complete) = try ChunkedFile.head(path: path, count: 256 << 10)
        if head.isEmpty {
            throw ReadError(SourceLocation(file: file, line: 1), "the file is empty; expected a Husbanken export (semicolon CSV or .xlsx)")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        let zip = head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06])
        if ext == "xls" || head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ReadError(
                SourceLocation(file: file),
                "an old Excel .xls file (or a password-protected workbook); expected .xlsx or semicolon CSV: save the export as .xlsx or CSV"
            )
        }
        if zip || ext == "xlsx" || ext == "xlsm" {
            format = .xlsx
            self.encoding = nil
            bomLength = 0
            delimiter = 0x3B
            return
        }
        format = .csv
        if head.prefix(4096).contains(0) {
            throw ReadError(SourceLocation(file: file, line: 1), "binary data (a NUL byte); expected a semicolon CSV or an .xlsx workbook")
        }
        let sniffed = head.withUnsafeBufferPointer { TextEncoding.sniff($0, isComplete: complete) }
        if let encoding {
            self.encoding = encoding
            bomLength = encoding == .utf8 ? sniffed.bomLength : 0
        } else {
            self.encoding = sniffed.encoding
            bomLength = sniffed.bomLength
        }
        delimiter = HusbankenReader.sniffDelimiter(Array(head.dropFirst(bomLength)))
    }

    /// `;` when any of the first lines has one, else tab, else `,`.
    static func sniffDelimiter(_ head: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [0x3B: 0, 0x09: 0, 0x2C: 0]
        var lines = 0
        var inQuotes = false
        for b in head {
            if b == 0x22 {
                inQuotes.toggle()
            } else if !inQuotes, b == 0x0A {
                lines += 1; if lines >= 20 { break }
            } else if !inQuotes, counts[b] != nil {
                counts[b]! += 1
            }
        }
        if counts[0x3B]! > 0 { return 0x3B }
        if counts[0x09]! > 0 { return 0x09 }
        return 0x2C
    }

    public func read<S: CellSink>(into sink: inout S) throws {
        var builder = HusbankenRowBuilder(
            file: file, mapping: mapping, format: format, resolveName: resolveName,
            decimalComma: delimiter != 0x2C)
        switch format {
        case .xlsx:
            let workbook = try XLSXSheetReader(path: path, sheet: mapping.sheet, displayName: file, limits: xlsxLimits)
            builder.sheet = workbook.sheetName
            builder.schema.metadata["sheet"] = workbook.sheetName
            try workbook.forEachRow { row in
                try builder.process(
                    HusbankenInputRow(number: row.number, fields: row.values, numeric: row.kinds.map { $0 == .number }), into: &sink)
            }
        case .csv:
            let encoding = self.encoding ?? .windows1252
            builder.schema.metadata["encoding"] = encoding.rawValue
            var scanner = CSVScanner(delimiter: delimiter, file: file)
            let source = try ChunkedFile(path: path)
            var skip = bomLength
            let file = self.file
            func onRecord(_ rec: borrowing CSVRecord) throws {
                if rec.isBlank { return }
                var fields: [String] = []
                fields.reserveCapacity(rec.count)
                for i in 0..<rec.count {
                    guard let text = rec.withField(i, { encoding.decode($0) }) else {
                        let raw = String(decoding: rec.bytes.prefix(500), as: UTF8.self)
                        try sink.reject(
                            ReadError(
                                SourceLocation(file: file, line: rec.line, column: i + 1),
                                "field \(i + 1) is not valid \(encoding.rawValue) text; force the encoding (e.g. windows-1252)"), raw: raw)
                        return
                    }
                    fields.append(text)
                }
                try builder.process(HusbankenInputRow(number: rec.line, fields: fields, numeric: nil), into: &sink)
            }
            try source.forEachChunk { chunk in
                if skip > 0 {
                    let n = min(skip, chunk.count)
                    skip -= n
                    try scanner.feed(UnsafeBufferPointer(rebasing: chunk[n...]), onRecord)
                } else {
                    try scanner.feed(chunk, onRecord)
                }
            }
            try scanner.finish(onRecord)
        }
        try builder.finish(into: &sink)
    }
}

/// One row as the reader sees it before mapping: its line (CSV) or row number (.xlsx), its
/// fields as text, and for .xlsx which cells are numbers.
struct HusbankenInputRow {
    var number: Int
    var fields: [String]
    var numeric: [Bool]?
}

/// Finds the header, then turns rows into cells.
struct HusbankenRowBuilder {
    let file: String
    let mapping: HusbankenMapping
    let format: HusbankenReader.Format
    let resolveName: (@Sendable (String, Int) -> Result<String, NameLookupError>)?
    let decimalComma: Bool
    var sheet = "sheet1"
    var schema: DatasetSchema

    private var header: [String]?
    private var headerRow = 0
    private var searched = 0
    private var best: (row: Int, fields: [String], matches: Int)?
    private var dataRows = 0
    private var lookups: [String: Result<String, NameLookupError>] = [:]

    // Column indexes once the header is known.
    private var cMunicipality: Int?
    private var cName: Int?
    private var cYear = 0
    private var cKind = 0
    private var cStage = 0
    private var cPurpose: Int?
    private var cPlaces = 0
    private var cAmount: Int?
    private let purposeDim: Int?

    static let dRegion = 0, dYear = 1, dKind = 2, dStage = 3

    init(
        file: String, mapping: HusbankenMapping, format: HusbankenReader.Format,
        resolveName: (@Sendable (String, Int) -> Result<String, NameLookupError>)?, decimalComma: Bool
    ) {
        self.file = file
        self.mapping = mapping
        self.format = format
        self.resolveName = resolveName
        self.decimalComma = decimalComma
        var dims = [
            Dimension(id: "region", label: "region", role: .geo),
            Dimension(id: "år", label: "år", role: .time),
            Dimension(
                id: "art", label: "art (sykehjem eller omsorgsbolig)", role: .other,
                categories: [
                    "sykehjem": CategoryLabel(name: "Sykehjemsplasser"), "omsorgsbolig": CategoryLabel(name: "Omsorgsboliger")
                ]),
            Dimension(
                id: "fase", label: "fase (tilsagn eller utbetalt)", role: .other,
                categories: [
                    "tilsagn": CategoryLabel(name: "Tilsagn"), "utbetalt": CategoryLabel(name: "Utbetalt")
                ])
        ]
        if mapping.purpose != nil {
            purposeDim = dims.count
            dims.append(
                Dimension(
                    id: "formal", label: "formål", role: .other,
                    categories: [
                        "netto_tilvekst": CategoryLabel(name: "Netto tilvekst"), "fornyelse": CategoryLabel(name: "Fornyelse/renovering"),
                        "ukjent": CategoryLabel(name: "Ukjent")
                    ]))
        } else {
            purposeDim = nil
        }
        var metrics = ["plasser": CategoryLabel(name: "Antall plasser/boenheter")]
        if mapping.amount != nil { metrics["tilskudd_kr"] = CategoryLabel(name: "Investeringstilskudd (kroner)") }
        dims.append(Dimension(id: "ContentsCode", label: "statistikkvariabel", role: .metric, categories: metrics))
        schema = DatasetSchema(
            dimensions: dims, label: "Husbanken investeringstilskudd", source: "Husbanken",
            metadata: ["format": format.rawValue])
    }

    /// The mapped columns with their mapping keys, in a fixed order.
    private var mappedColumns: [(key: String, column: String)] {
        var out: [(String, String)] = []
        if let m = mapping.municipality { out.append(("municipality", m)) }
        if let m = mapping.municipalityName { out.append(("municipality_name", m)) }
        out.append(("year", mapping.year))
        out.append(("kind", mapping.kind))
        out.append(("stage", mapping.stage))
        if let p = mapping.purpose { out.append(("purpose", p)) }
        out.append(("places", mapping.places))
        if let a = mapping.amount { out.append(("amount", a)) }
        return out
    }

    static func normalise(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private func locate(_ row: Int, _ column: Int?) -> SourceLocation {
        switch format {
        case .csv:
            return SourceLocation(file: file, line: row, column: column.map { $0 + 1 })
        case .xlsx:
            var p = "\(sheet) row \(row)"
            if let column { p += " column \(XLSXSheetReader.columnLetters(column))" }
            return SourceLocation(file: file, path: p)
        }
    }

    private func rowWord(_ row: Int) -> String { format == .csv ? "line \(row)" : "row \(row)" }

    mutating func process<S: CellSink>(_ row: HusbankenInputRow, into sink: inout S) throws {
        if row.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { return }
        guard let header else {
            try findHeader(row, into: &sink)
            return
        }
        try emit(row, header: header, into: &sink)
    }

    private mutating func findHeader<S: CellSink>(_ row: HusbankenInputRow, into sink: inout S) throws {
        searched += 1
        let names = row.fields.map { HusbankenRowBuilder.normalise($0) }
        func index(_ column: String) -> Int? {
            let n = HusbankenRowBuilder.normalise(column)
            return names.firstIndex(of: n)
        }
        let columns = mappedColumns
        let found = columns.map { index($0.column) }
        let matches = found.compactMap { $0 }.count
        if best == nil || matches > best!.matches { best = (row.number, row.fields, matches) }
        if matches < columns.count {
            if searched >= HusbankenReader.headerSearchRows { try failHeader() }
            return
        }
        header = row.fields
        headerRow = row.number
        var i = 0
        if mapping.municipality != nil { cMunicipality = found[i]; i += 1 }
        if mapping.municipalityName != nil { cName = found[i]; i += 1 }
        cYear = found[i]!; i += 1
        cKind = found[i]!; i += 1
        cStage = found[i]!; i += 1
        if mapping.purpose != nil { cPurpose = found[i]; i += 1 }
        cPlaces = found[i]!; i += 1
        if mapping.amount != nil { cAmount = found[i] }
        try sink.begin(schema)
    }

    /// No row had every mapped column: name the missing ones and list what the best row has.
    private func failHeader() throws -> Never {
        guard let best else {
            throw ReadError(
                locate(1, nil),
                "no header found; expected a header with the mapped columns \(mappedColumns.map { "\"\($0.column)\"" }.joined(separator: ", ")), found no rows"
            )
        }
        let names = best.fields.map { HusbankenRowBuilder.normalise($0) }
        let missing = mappedColumns.filter { !names.contains(HusbankenRowBuilder.normalise($0.column)) }
        let list = missing.map { "\"\($0.column)\" (\($0.key))" }.joined(separator: ", ")
        let found = best.fields.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { "\"\($0)\"" }.joined(separator: ", ")
        throw ReadError(
            locate(best.row, nil),
            "mapped column\(missing.count == 1 ? "" : "s") \(list) not in the header; the header (\(rowWord(best.row))) has columns \(found); fix the column names in the pipeline's husbanken mapping"
        )
    }

    mutating func finish<S: CellSink>(into sink: inout S) throws {
        if header == nil { try failHeader() }
        if dataRows == 0 {
            throw ReadError(locate(headerRow, nil), "the file has a header but no data rows")
        }
        try sink.end(schema)
    }

    // MARK: Rows

    private struct Reject: Error {
        var column: Int?
        var message: String
    }

    private mutating func emit<S: CellSink>(_ row: HusbankenInputRow, header: [String], into sink: inout S) throws {
        let raw = row.fields.joined(separator: ";")
        if format == .csv, row.fields.count < header.count {
            try sink.reject(
                ReadError(locate(row.number, nil), "expected \(header.count) fields as in the header, found \(row.fields.count)"), raw: raw)
            return
        }
        dataRows += 1
        do {
            let rowCells = try cells(row, header: header)
            for (column, coordinates, value, status) in rowCells {
                try sink.cell(
                    Cell(coordinates: coordinates, value: value, status: status, location: locate(row.number, column)), schema: schema)
            }
        } catch let r as Reject {
            try sink.reject(ReadError(locate(row.number, r.column), r.message), raw: raw)
        }
    }

    private func field(_ row: HusbankenInputRow, _ c: Int) -> String {
        c < row.fields.count ? row.fields[c].trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }

    private func isNumeric(_ row: HusbankenInputRow, _ c: Int) -> Bool {
        guard let n = row.numeric, c < n.count else { return false }
        return n[c]
    }

    private func columnName(_ header: [String], _ c: Int) -> String {
        "column \"\(header[c].trimmingCharacters(in: .whitespaces))\""
    }

    /// The row's cells, or a `Reject` naming the first problem.
    private mutating func cells(_ row: HusbankenInputRow, header: [String]) throws -> [(Int, [String], Double?, String?)] {
        // Year first: a name lookup needs it.
        let yearText = field(row, cYear)
        guard let year = HusbankenRowBuilder.parseYear(yearText, numeric: isNumeric(row, cYear)) else {
            throw Reject(column: cYear, message: "\(columnName(header, cYear)) (year): expected a year (YYYY), found \"\(yearText)\"")
        }

        // Municipality.
        var code: String?
        var label: CategoryLabel?
        let nameText = cName.map { field(row, $0) } ?? ""
        if let c = cMunicipality {
            let text = field(row, c)
            if !text.isEmpty || cName == nil || nameText.isEmpty {
                if HusbankenRowBuilder.isTotal(text) {
                    throw Reject(
                        column: c,
                        message:
                            "\(columnName(header, c)) (municipality): \"\(text)\" is a total row, not a municipality; totals are not read")
                }
                guard let parsed = HusbankenRowBuilder.parseMunicipality(text) else {
                    throw Reject(
                        column: c,
                        message:
                            "\(columnName(header, c)) (municipality): expected a 4-digit kommune number, optionally followed by the name (\"3118\" or \"3118 Indre Østfold\"), found \"\(text)\""
                    )
                }
                code = parsed.code
                label = parsed.label
            }
        }
        if let c = cName, !nameText.isEmpty {
            if code == nil {
                if HusbankenRowBuilder.isTotal(nameText) {
                    throw Reject(
                        column: c,
                        message:
                            "\(columnName(header, c)) (municipality_name): \"\(nameText)\" is a total row, not a municipality; totals are not read"
                    )
                }
                guard let resolveName else {
                    throw Reject(
                        column: c,
                        message: "\(columnName(header, c)) (municipality_name): no kommune number for \"\(nameText)\" and no name lookup")
                }
                let key = "\(nameText)\u{1F}\(year)"
                let result: Result<String, NameLookupError>
                if let cached = lookups[key] {
                    result = cached
                } else {
                    result = resolveName(nameText, year)
                    lookups[key] = result
                }
                switch result {
                case .success(let resolved):
                    code = resolved
                case .failure(let e):
                    let hint =
                        e.nearMatches.isEmpty ? "no similar name is known" : "did you mean: \(e.nearMatches.joined(separator: ", "))?"
                    throw Reject(column: c, message: "unknown municipality name \"\(e.name)\" in \(e.year); \(hint)")
                }
            }
            label = CategoryLabel(name: nameText)
        }
        guard let region = code else {
            throw Reject(
                column: cMunicipality ?? cName, message: "no municipality: the municipality column\(cName != nil ? "s are" : " is") empty")
        }

        // Kind, stage, purpose.
        let kindText = field(row, cKind)
        guard let kind = HusbankenRowBuilder.normaliseKind(kindText) else {
            throw Reject(
                column: cKind,
                message:
                    "\(columnName(header, cKind)) (kind): \"\(kindText)\" is not a kind of place; expected sykehjem (\"Sykehjem\", \"Sykehjemsplass\", …) or omsorgsbolig (\"Omsorgsbolig\", \"Omsorgsboliger\", …)"
            )
        }
        let stageText = field(row, cStage)
        guard let stage = HusbankenRowBuilder.normaliseStage(stageText) else {
            throw Reject(
                column: cStage,
                message:
                    "\(columnName(header, cStage)) (stage): \"\(stageText)\" is not a stage; expected tilsagn (\"Tilsagn\", \"Tilsagt\") or utbetalt (\"Utbetalt\", \"Utbetaling\")"
            )
        }
        var purpose: String?
        if let c = cPurpose {
            let text = field(row, c)
            guard let p = HusbankenRowBuilder.normalisePurpose(text) else {
                throw Reject(
                    column: c,
                    message:
                        "\(columnName(header, c)) (purpose): \"\(text)\" is not a purpose; expected netto_tilvekst (\"Netto tilvekst\", \"post 69\"), fornyelse (\"Fornyelse\", \"Renovering\", \"post 63\") or ukjent (empty)"
                )
            }
            purpose = p
        }

        // Values.
        let places = try value(row, cPlaces, header: header, key: "places")
        let amount = try cAmount.map { try value(row, $0, header: header, key: "amount") }

        // Categories.
        if let label, schema.dimensions[HusbankenRowBuilder.dRegion].categories[region] == nil {
            schema.dimensions[HusbankenRowBuilder.dRegion].categories[region] = label
        } else if schema.dimensions[HusbankenRowBuilder.dRegion].categories[region] == nil {
            schema.dimensions[HusbankenRowBuilder.dRegion].categories[region] = CategoryLabel(name: region)
        }
        let y = String(year)
        if schema.dimensions[HusbankenRowBuilder.dYear].categories[y] == nil {
            schema.dimensions[HusbankenRowBuilder.dYear].categories[y] = CategoryLabel(name: y)
        }

        var base = [region, y, kind, stage]
        if let purpose, purposeDim != nil { base.append(purpose) }
        var out: [(Int, [String], Double?, String?)] = [(cPlaces, base + ["plasser"], places.0, places.1)]
        if let amount, let c = cAmount { out.append((c, base + ["tilskudd_kr"], amount.0, amount.1)) }
        return out
    }

    /// A value cell: a number (decimal comma in CSV, as stored in .xlsx), a symbol, or empty.
    private func value(_ row: HusbankenInputRow, _ c: Int, header: [String], key: String) throws -> (Double?, String?) {
        let text = field(row, c)
        if isNumeric(row, c), let v = Double(text) { return (v, nil) }
        var cleaned = text
        // `kr 1 870 000`, `1 870 000,-`, and the narrow or thin spaces some exports use.
        if cleaned.lowercased().hasPrefix("kr") {
            cleaned = String(cleaned.dropFirst(2))
            if cleaned.hasPrefix(".") { cleaned.removeFirst() }
        }
        if cleaned.hasSuffix(",-") { cleaned.removeLast(2) }
        cleaned = cleaned.replacingOccurrences(of: "\u{202F}", with: " ").replacingOccurrences(of: "\u{2009}", with: " ")
            .trimmingCharacters(in: .whitespaces)
        var parsed = NumberParser.parse(cleaned, decimalComma: decimalComma)
        if parsed == .invalid, format == .xlsx {
            // Text typed into a spreadsheet may use either decimal mark.
            parsed = NumberParser.parse(cleaned, decimalComma: !decimalComma)
        }
        switch parsed {
        case .number(let v, let status): return (v, status)
        case .symbol(let s): return (nil, s)
        case .empty: return (nil, "..")
        case .invalid:
            let mark = format == .csv ? (decimalComma ? "decimal comma" : "decimal point") : "decimal comma or point"
            throw Reject(
                column: c,
                message:
                    "\(columnName(header, c)) (\(key)): expected a number (\(mark), thousands separated by spaces, e.g. \"1 870 000\") or one of the symbols . .. ... : -, found \"\(text)\""
            )
        }
    }

    // MARK: Normalising values

    /// A year as `2021`, `2021.0` (an .xlsx number), `2021-03-15` or `15.03.2021`.
    static func parseYear(_ text: String, numeric: Bool) -> Int? {
        var t = text
        if numeric, let d = Double(text), d == d.rounded() { t = String(Int(d)) }
        let u = Array(t.utf8)
        func digits(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= u.count, r.allSatisfy({ u[$0] >= 0x30 && u[$0] <= 0x39 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(u[$1] - 0x30) }
        }
        var year: Int?
        if u.count == 4 {
            year = digits(0..<4)
        } else if u.count == 10, u[4] == 0x2D, u[7] == 0x2D {
            year = digits(0..<4)
        } else if u.count == 10, u[2] == 0x2E, u[5] == 0x2E {
            year = digits(6..<10)
        }
        guard let year, (1900...2100).contains(year) else { return nil }
        return year
    }

    /// The code and label of `3118`, `3118 Indre Østfold` or `0301 - Oslo`; a 3-digit number
    /// (`301`, a spreadsheet that dropped the leading zero) is padded.
    static func parseMunicipality(_ text: String) -> (code: String, label: CategoryLabel?)? {
        let p = RegionLabel.parse(text)
        var code = p.code
        if code.hasSuffix(".0") { code.removeLast(2) }
        guard code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if code.utf8.count == 3 { code = "0" + code }
        guard code.utf8.count == 4 else { return nil }
        return (code, p.label)
    }

    static func isTotal(_ text: String) -> Bool {
        ["sum", "sum totalt", "totalt", "total", "i alt", "hele landet", "landet", "sum alle"].contains(normalise(text))
    }

    private static func folded(_ text: String) -> String {
        normalise(text).folding(options: [.diacriticInsensitive], locale: nil)
    }

    /// `sykehjem` or `omsorgsbolig`, or nil.
    static func normaliseKind(_ text: String) -> String? {
        let t = folded(text)
        let nursing = t.contains("sykehjem")
        let care = t.contains("omsorg")
        if nursing == care { return nil }
        return nursing ? "sykehjem" : "omsorgsbolig"
    }

    /// `tilsagn` or `utbetalt`, or nil. A cancelled or withdrawn commitment is not a commitment.
    static func normaliseStage(_ text: String) -> String? {
        let t = folded(text)
        if t.contains("annull") || t.contains("trukket") || t.contains("kansell") { return nil }
        let commitment = t.contains("tilsagn") || t.contains("tilsagt")
        let paid = t.contains("utbetal")
        if commitment == paid { return nil }
        return commitment ? "tilsagn" : "utbetalt"
    }

    /// `netto_tilvekst`, `fornyelse` or `ukjent` (empty), or nil.
    static func normalisePurpose(_ text: String) -> String? {
        let t = folded(text)
        if t.isEmpty || t == "ukjent" || t == "-" { return "ukjent" }
        let net = t.contains("netto") || t.contains("tilvekst") || t == "69" || t.contains("post 69")
        let renewal =
            t.contains("fornye") || t.contains("fornying") || t.contains("renover") || t.contains("erstatning")
            || t.contains("utskift") || t == "63" || t.contains("post 63")
        if net == renewal { return nil }
        return net ? "netto_tilvekst" : "fornyelse"
    }
}
