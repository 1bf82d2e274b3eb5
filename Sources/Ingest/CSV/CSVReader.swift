// Why this file is long: every CSV dialect (long, wide, region names, encodings) goes through one
// streaming row loop; the matrix layout is MatrixCSV.swift.

import Foundation

/// How a CSV file is written. Sniffed from the file's head unless forced.
public struct CSVDialect: Sendable, Equatable, CustomStringConvertible {
    public enum Layout: String, Sendable, Codable { case long, wide, matrix }

    public var delimiter: UInt8
    public var decimalComma: Bool
    public var encoding: TextEncoding
    public var bomLength: Int
    /// Lines before the header (SSB's quoted title line and blank lines).
    public var titleLines: [String]
    public var headerLine: Int
    public var layout: Layout
    /// Matrix layout: header rows (one per heading variable), stub columns, footer lines (counted while reading).
    public var headerRows = 1
    public var stubColumns = 0
    public var footerLines = 0
    /// The file starts with Excel's `sep=;` line.
    public var sepLine = false

    public var description: String {
        let d: String
        switch delimiter {
        case 0x3B: d = "semicolon"
        case 0x2C: d = "comma"
        case 0x09: d = "tab"
        default: d = "'\(Character(Unicode.Scalar(delimiter)))'"
        }
        var s =
            "delimiter=\(d)\(sepLine ? " (sep= line)" : "") decimal=\(decimalComma ? "comma" : "point") encoding=\(encoding.rawValue)\(bomLength > 0 ? " (BOM)" : "") layout=\(layout.rawValue) header-line=\(headerLine)"
        if layout == .matrix { s += " header-rows=\(headerRows) stub-columns=\(stubColumns) footer-lines=\(footerLines)" }
        if let t = titleLines.first(where: { !$0.isEmpty }) { s += " title=\"\(t)\"" }
        return s
    }
}

/// What a user may force instead of sniffing.
public struct CSVOptions: Sendable {
    public var delimiter: UInt8?
    public var decimalComma: Bool?
    public var encoding: TextEncoding?
    public var layout: CSVDialect.Layout?
    /// Roles by column name, overriding the guess from SSB's usual names.
    public var roles: [String: DimensionRole]
    /// Display name used in locations instead of the path.
    public var displayName: String?
    /// Finds a municipality's code from a region cell that has only its name.
    public var resolveName: NameResolver?
    /// Kommune numbers that lost their leading zero (`301`): rejected, or restored on request.
    public var leadingZeros: LeadingZeros = .reject

    public init(
        delimiter: UInt8? = nil, decimalComma: Bool? = nil, encoding: TextEncoding? = nil, layout: CSVDialect.Layout? = nil,
        roles: [String: DimensionRole] = [:], displayName: String? = nil
    ) {
        self.delimiter = delimiter
        self.decimalComma = decimalComma
        self.encoding = encoding
        self.layout = layout
        self.roles = roles
        self.displayName = displayName
    }
}

/// Reads SSB and KOSTRA CSV in every dialect of docs/FORMATS.md, "CSV", streaming.
///
/// Long layout: one column per dimension, the value last. Wide layout: stub columns, then one
/// column per heading combination whose header ends in a year (`"… (prosent) 2019"` or `"2019"`).
public final class CSVReader {
    public let path: String
    public let options: CSVOptions
    public private(set) var dialect: CSVDialect
    private var file: String { options.displayName ?? path }
    /// Set when the sniff found the statbank matrix layout.
    var matrix: MatrixShape?

    public static let sniffBytes = 256 << 10

    public init(path: String, options: CSVOptions = CSVOptions()) throws {
        self.path = path
        self.options = options
        (self.dialect, self.matrix) = try CSVReader.sniff(path: path, options: options)
    }

    // MARK: Sniffing

    static func sniff(path: String, options: CSVOptions) throws -> (CSVDialect, MatrixShape?) {
        let name = options.displayName ?? path
        let (head, complete) = try ChunkedFile.head(path: path, count: sniffBytes)
        if head.isEmpty { throw ReadError(SourceLocation(file: name, line: 1), "the file is empty; expected a header line and data rows") }
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            throw ReadError(
                SourceLocation(file: name, line: 1),
                "the file is UTF-16 text (byte order mark \(head[0] == 0xFF ? "FF FE" : "FE FF")); save it as UTF-8 or Windows-1252 CSV")
        }
        var (encoding, bom) = head.withUnsafeBufferPointer { TextEncoding.sniff($0, isComplete: complete) }
        if let forced = options.encoding { encoding = forced; if forced != .utf8 { bom = 0 } }
        if head.prefix(8).contains(0) || head.prefix(4096).contains(0) {
            let at = head.firstIndex(of: 0)!
            let line = head[..<at].filter { $0 == 0x0A }.count + 1
            throw ReadError(SourceLocation(file: name, line: line), "binary data (a NUL byte); expected a text file")
        }
        let body = Array(head.dropFirst(bom))
        if options.encoding == nil, let mixed = EncodingCensus(body, isComplete: complete).mixedError(file: name) { throw mixed }
        // Excel's `sep=;` first line names the delimiter and is not a record.
        var sepDelimiter: UInt8? = nil
        if body.count >= 5, body.starts(with: Array("sep=".utf8)), body.count == 5 || body[5] == 0x0A || body[5] == 0x0D {
            sepDelimiter = body[4]
        }
        let candidates: [UInt8] = options.delimiter.map { [$0] } ?? sepDelimiter.map { [$0] } ?? [0x3B, 0x09, 0x2C]
        var best: (delim: UInt8, score: Int, header: Int, records: [[[UInt8]]], lines: [Int])? = nil
        for d in candidates {
            var scanner = CSVScanner(delimiter: d, file: name)
            var records: [[[UInt8]]] = []
            var lines: [Int] = []
            do {
                try body.withUnsafeBufferPointer { buf in
                    try scanner.feed(buf) { rec in
                        if sepDelimiter != nil && rec.line == 1 { return }
                        if records.count < 200 {
                            records.append((0..<rec.count).map { rec.field($0) })
                            lines.append(rec.line)
                        }
                    }
                }
                if complete {
                    try scanner.finish { rec in
                        if sepDelimiter != nil && rec.line == 1 { return }
                        records.append((0..<rec.count).map { rec.field($0) }); lines.append(rec.line)
                    }
                }
            } catch let e as ReadError where complete {
                // An unterminated quote in a complete small file is reported by the real pass.
                _ = e
            }
            // Header: the first record with more than one field; title lines before it have one.
            guard let h = records.firstIndex(where: { $0.count > 1 }) else { continue }
            let width = records[h].count
            let following = records[(h + 1)...].filter { !($0.count == 1 && $0[0].isEmpty) }
            let consistent = following.filter { $0.count == width }.count
            let score = width * 1000 + (following.isEmpty ? 0 : consistent * 1000 / following.count)
            if best == nil || score > best!.score { best = (d, score, h, records, lines) }
        }
        guard let chosen = best else {
            let first = body.prefix { $0 != 0x0A && $0 != 0x0D }
            let text = encoding.decode(Array(first.prefix(80))) ?? "?"
            if candidates.count == 1 {
                throw ReadError(
                    SourceLocation(file: name, line: 1), "no line has more than one field with the forced delimiter; found \"\(text)\"")
            }
            throw ReadError(
                SourceLocation(file: name, line: 1), "no delimiter found: expected fields separated by ';', ',' or tab, found \"\(text)\"")
        }
        if options.layout == nil || options.layout == .matrix {
            let titleText = chosen.records.prefix { $0.dropFirst().allSatisfy(MatrixShape.isBlank) }.map {
                encoding.decode($0.first ?? []) ?? ""
            }
            if let shape = MatrixShape.detect(
                records: chosen.records, lines: chosen.lines, encoding: encoding, title: titleText.first { !$0.isEmpty })
            {
                let first = chosen.records.firstIndex {
                    $0.count > 1 && MatrixShape.isBlank($0[0]) && $0.contains { !MatrixShape.isBlank($0) }
                }!
                let data = chosen.records[(first + shape.headerRows)...].prefix { $0.contains { !MatrixShape.isBlank($0) } }
                var dialect = CSVDialect(
                    delimiter: chosen.delim,
                    decimalComma: options.decimalComma
                        ?? CSVReader.guessDecimalComma(data.map { Array($0.dropFirst(shape.stubColumns)) }, delimiter: chosen.delim),
                    encoding: encoding, bomLength: bom, titleLines: titleText.map { HTMLEntities.decode($0) }, headerLine: shape.headerLine,
                    layout: .matrix)
                dialect.headerRows = shape.headerRows
                dialect.stubColumns = shape.stubColumns
                dialect.sepLine = sepDelimiter != nil
                return (dialect, shape)
            }
        }
        let header = chosen.records[chosen.header]
        let titles = chosen.records[..<chosen.header].map { HTMLEntities.decode(encoding.decode($0.first ?? []) ?? "") }
        let headerTexts = header.map { encoding.decode($0) ?? "" }
        let layout = options.layout.flatMap { $0 == .matrix ? nil : $0 } ?? CSVReader.guessLayout(headerTexts)
        let data = chosen.records[(chosen.header + 1)...]
        var decimalComma: Bool
        if let forced = options.decimalComma {
            decimalComma = forced
        } else {
            let valueColumns: [Int] = layout == .long ? [header.count - 1] : CSVReader.wideColumns(headerTexts)
            var sawComma = false, sawPoint = false
            for rec in data where rec.count == header.count {
                for c in valueColumns {
                    let f = rec[c]
                    for (i, b) in f.enumerated() where i > 0 && i + 1 < f.count {
                        let before = f[i - 1], after = f[i + 1]
                        let digits = (before >= 0x30 && before <= 0x39) && (after >= 0x30 && after <= 0x39)
                        if digits && b == 0x2C { sawComma = true }
                        if digits && b == 0x2E { sawPoint = true }
                    }
                }
            }
            if chosen.delim == 0x2C {
                decimalComma = false
            } else if sawComma {
                decimalComma = true
            } else if sawPoint {
                decimalComma = false
            } else {
                decimalComma = chosen.delim == 0x3B
            }
        }
        var dialect = CSVDialect(
            delimiter: chosen.delim, decimalComma: decimalComma, encoding: encoding, bomLength: bom,
            titleLines: titles, headerLine: chosen.lines[chosen.header], layout: layout)
        dialect.sepLine = sepDelimiter != nil
        return (dialect, nil)
    }

    /// Decimal comma when a value has a comma between digits, point when one has a point, else
    /// comma for semicolon files (the matrix layout; every field of `rows` is a value).
    static func guessDecimalComma(_ rows: [[[UInt8]]], delimiter: UInt8) -> Bool {
        if delimiter == 0x2C { return false }
        var sawComma = false, sawPoint = false
        for rec in rows {
            for f in rec {
                for (i, b) in f.enumerated() where i > 0 && i + 1 < f.count {
                    let digits = (f[i - 1] >= 0x30 && f[i - 1] <= 0x39) && (f[i + 1] >= 0x30 && f[i + 1] <= 0x39)
                    if digits && b == 0x2C { sawComma = true }
                    if digits && b == 0x2E { sawPoint = true }
                }
            }
        }
        return sawComma || !sawPoint ? delimiter == 0x3B || sawComma : false
    }

    /// A header column is a wide (year) column when its last word is a four-digit year.
    static func yearSuffix(_ text: String) -> (prefix: String, year: String)? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: " ")
        guard let last = parts.last else { return nil }
        let y = String(last)
        // Years and SSB period codes like 2019K1, 2019M01, 2019U01.
        let digits = y.prefix(4)
        guard digits.count == 4, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        let rest = y.dropFirst(4)
        guard rest.isEmpty || (rest.count >= 2 && "KMUH".contains(rest.first!) && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else {
            return nil
        }
        guard let year = Int(digits), (1800...2200).contains(year) else { return nil }
        return (parts.dropLast().joined(separator: " "), y)
    }

    static func wideColumns(_ header: [String]) -> [Int] {
        header.indices.filter { $0 > 0 && yearSuffix(header[$0]) != nil }
    }

    static func guessLayout(_ header: [String]) -> CSVDialect.Layout {
        let wide = wideColumns(header)
        // Wide when the header ends in a run of year columns.
        if let first = wide.first, wide == Array(first..<header.count) { return .wide }
        return .long
    }

    static func role(forColumn name: String) -> DimensionRole {
        let n = name.lowercased().trimmingCharacters(in: .whitespaces)
        switch n {
        case "region", "kommune", "kokkommuneregion0000", "kommuneregion", "geo", "kommunenummer", "kommunenr", "fylke": return .geo
        case "år", "aar", "tid", "year", "periode", "period", "time": return .time
        case "statistikkvariabel", "contentscode", "contents", "variabel", "measure", "statistikkvariabler": return .metric
        default: return .other
        }
    }

    // MARK: Reading

    public func read<S: CellSink>(into sink: inout S) throws {
        if let shape = matrix { return try readMatrix(shape, into: &sink) }
        let d = dialect
        var scanner = CSVScanner(delimiter: d.delimiter, file: file)
        let f = try ChunkedFile(path: path)
        var builder: RowBuilder? = nil
        var skipped = d.bomLength
        var dataRows = 0
        var lastLine = 0
        func onRecord(_ rec: borrowing CSVRecord) throws {
            lastLine = rec.line
            if rec.line < d.headerLine { return }
            if rec.line == d.headerLine {
                builder = try RowBuilder(
                    header: rec, dialect: d, file: self.file, roles: self.options.roles,
                    regions: RegionCellReader(resolveName: self.options.resolveName, leadingZeros: self.options.leadingZeros))
                try sink.begin(builder!.schema)
                return
            }
            if rec.isBlank { return }
            dataRows += 1
            try builder!.emit(rec, into: &sink)
        }
        try f.forEachChunk { chunk in
            if skipped > 0 {
                let n = min(skipped, chunk.count)
                skipped -= n
                try scanner.feed(UnsafeBufferPointer(rebasing: chunk[n...]), onRecord)
            } else {
                try scanner.feed(chunk, onRecord)
            }
        }
        try scanner.finish(onRecord)
        guard let b = builder else {
            throw ReadError(SourceLocation(file: file, line: max(lastLine, 1)), "no header line found; expected a header and data rows")
        }
        if dataRows == 0 {
            throw ReadError(SourceLocation(file: file, line: d.headerLine), "the file has a header but no data rows")
        }
        try sink.end(b.schema)
    }

    /// The statbank matrix layout (docs/FORMATS.md), chosen once by the sniff.
    private func readMatrix<S: CellSink>(_ shape: MatrixShape, into sink: inout S) throws {
        var scanner = CSVScanner(delimiter: dialect.delimiter, file: file)
        var builder = MatrixBuilder(
            shape: shape, dialect: dialect, file: file, roles: options.roles,
            regions: RegionCellReader(resolveName: options.resolveName, leadingZeros: options.leadingZeros))
        var skipped = dialect.bomLength
        let f = try ChunkedFile(path: path)
        try f.forEachChunk { chunk in
            let n = min(skipped, chunk.count)
            skipped -= n
            try scanner.feed(UnsafeBufferPointer(rebasing: chunk[n...])) { try builder.record($0, into: &sink) }
        }
        try scanner.finish { try builder.record($0, into: &sink) }
        if builder.state != .data && builder.state != .footer {
            throw ReadError(
                SourceLocation(file: file, line: shape.headerLine),
                "the file ends inside its header rows; expected \(shape.headerRows) header row\(shape.headerRows == 1 ? "" : "s") and data rows"
            )
        }
        if builder.dataRows == 0 {
            throw ReadError(SourceLocation(file: file, line: shape.headerLine), "the file has header rows but no data rows")
        }
        builder.finish()
        dialect.footerLines = builder.footer.count
        try sink.end(builder.schema)
    }
}

/// Turns records into cells for one header.
struct RowBuilder {
    var schema: DatasetSchema
    let dialect: CSVDialect
    let file: String
    let width: Int
    /// Long layout: the column holding the value (the last one, or the one before `etl export`'s
    /// trailing `method`, `status`, `note` columns, which say how a value was obtained and are not read).
    let valueColumn: Int
    /// Long layout: the column index of each dimension; wide: of each stub dimension.
    let dimColumns: [Int]
    let geoDim: Int?
    /// Wide layout: per value column, the coordinates it adds (metric label, period).
    let wideColumns: [(column: Int, metric: String?, period: String)]
    let wideMetricDim: Int?
    let wideTimeDim: Int?
    /// Per dimension column: the last field's bytes and code (rows repeat it), and an interner.
    var cache: [[UInt8]]
    var cacheValue: [String]
    var interners: [ByteInterner]
    var coordsBuffer: [String] = []
    let headerNames: [String]

    var regions: RegionCellReader
    /// Region names met in the geo column (their code depends on the row's year).
    var regionNames: [String: CategoryLabel] = [:]
    var timeDim: Int? = nil

    init(header: borrowing CSVRecord, dialect: CSVDialect, file: String, roles: [String: DimensionRole], regions: RegionCellReader) throws {
        self.dialect = dialect
        self.file = file
        self.regions = regions
        width = header.count
        var names: [String] = []
        for i in 0..<header.count {
            guard let s = header.withField(i, { dialect.encoding.decode($0) }) else {
                throw ReadError(
                    SourceLocation(file: file, line: header.line, column: i + 1),
                    "header field \(i + 1) is not valid \(dialect.encoding.rawValue) text; force the encoding with --encoding")
            }
            names.append(HTMLEntities.decode(s).trimmingCharacters(in: .whitespaces))
        }
        headerNames = names
        var seen = Set<String>()
        for (i, n) in names.enumerated() {
            if n.isEmpty && !(dialect.layout == .long && i == names.count - 1) {
                throw ReadError(
                    SourceLocation(file: file, line: header.line, column: i + 1), "header field \(i + 1) is empty; expected a column name")
            }
            if !seen.insert(n).inserted {
                throw ReadError(
                    SourceLocation(file: file, line: header.line, column: i + 1), "duplicate column name \"\(n)\" in the header")
            }
        }
        func roleOf(_ n: String) -> DimensionRole { roles[n] ?? CSVReader.role(forColumn: n) }
        var dims: [Dimension] = []
        switch dialect.layout {
        case .long, .matrix:
            // An export of ours ends with method;status;note after the value (README, "Export").
            let annotated = dialect.layout == .long && names.count > 4 && Array(names.suffix(3)) == ["method", "status", "note"]
            valueColumn = names.count - 1 - (annotated ? 3 : 0)
            dimColumns = Array(0..<valueColumn)
            for c in dimColumns { dims.append(Dimension(id: names[c], role: roleOf(names[c]))) }
            wideColumns = []
            wideMetricDim = nil
            wideTimeDim = nil
            schema = DatasetSchema(dimensions: dims, label: names[valueColumn])
        case .wide:
            valueColumn = names.count - 1
            let cols = CSVReader.wideColumns(names)
            guard let first = cols.first else {
                throw ReadError(
                    SourceLocation(file: file, line: header.line),
                    "wide layout needs header columns ending in a year (\"… 2019\"); found none")
            }
            dimColumns = Array(0..<first)
            for c in dimColumns { dims.append(Dimension(id: names[c], role: roleOf(names[c]))) }
            var wc: [(Int, String?, String)] = []
            var anyMetric = false
            for c in first..<names.count {
                guard let (prefix, year) = CSVReader.yearSuffix(names[c]) else {
                    throw ReadError(
                        SourceLocation(file: file, line: header.line, column: c + 1),
                        "column \"\(names[c])\" after the year columns has no year; expected \"… YYYY\"")
                }
                if !prefix.isEmpty { anyMetric = true }
                wc.append((c, prefix.isEmpty ? nil : prefix, year))
            }
            wideColumns = wc
            if anyMetric {
                wideMetricDim = dims.count
                dims.append(Dimension(id: "statistikkvariabel", role: .metric))
            } else {
                wideMetricDim = nil
            }
            wideTimeDim = dims.count
            dims.append(Dimension(id: "år", role: .time))
            schema = DatasetSchema(dimensions: dims)
            for (_, m, y) in wc {
                if let m, let md = wideMetricDim { schema.dimensions[md].categories[m] = CategoryLabel(name: m) }
                schema.dimensions[wideTimeDim!].categories[y] = CategoryLabel(name: y)
            }
        }
        if let t = dialect.titleLines.first(where: { !$0.isEmpty }) { schema.label = t }
        let columns = dimColumns
        schema.dimensionColumns = schema.dimensions.indices.map { $0 < columns.count ? columns[$0] + 1 : nil }
        geoDim = schema.dimensions.firstIndex { $0.role == .geo }
        timeDim = schema.dimensions.firstIndex { $0.role == .time }
        cache = Array(repeating: [0xFF, 0xFE], count: dimColumns.count)
        cacheValue = Array(repeating: "", count: dimColumns.count)
        interners = Array(repeating: ByteInterner(), count: dimColumns.count)
    }

    mutating func emit<S: CellSink>(_ rec: borrowing CSVRecord, into sink: inout S) throws {
        guard rec.count == width else {
            try sink.reject(
                ReadError(SourceLocation(file: file, line: rec.line), "expected \(width) fields as in the header, found \(rec.count)"),
                raw: rawText(rec))
            return
        }
        // One buffer for every row's coordinates: cells are gone when the sink returns, so
        // appending again does not copy.
        var coords = coordsBuffer
        coordsBuffer = []
        coords.removeAll(keepingCapacity: true)
        defer { coordsBuffer = coords }
        for (k, c) in dimColumns.enumerated() {
            let same = rec.withField(c) { f in
                cache[k].withUnsafeBufferPointer { ByteInterner.equal(f, $0) }
            }
            if same { coords.append(cacheValue[k]); continue }
            let known: String? = rec.withField(c) { f in interners[k].find(f) }
            if let known {
                rec.withField(c) { f in
                    cache[k].removeAll(keepingCapacity: true); cache[k].append(contentsOf: f)
                }
                cacheValue[k] = known
                coords.append(known)
                continue
            }
            guard let text = rec.withField(c, { dialect.encoding.decode($0) }) else {
                try sink.reject(
                    ReadError(
                        SourceLocation(file: file, line: rec.line, column: c + 1),
                        "field \(c + 1) is not valid \(dialect.encoding.rawValue) text; declare the file's encoding (`encoding:` in the pipeline, --encoding for inspect)"
                    ), raw: rawText(rec))
                return
            }
            var code: String
            if k == geoDim {
                switch regions.classify(text) {
                case .code(let c, let l):
                    code = c
                    if let l, schema.dimensions[k].categories[code] == nil { schema.dimensions[k].categories[code] = l }
                case .name(let n, let l):
                    // The code depends on the row's year: resolved below, never interned.
                    regionNames[n] = l
                    coords.append(n)
                    continue
                case .reject(let message):
                    try sink.reject(ReadError(SourceLocation(file: file, line: rec.line, column: c + 1), message), raw: rawText(rec))
                    return
                }
            } else {
                code = text.trimmingCharacters(in: .whitespaces)
                if schema.dimensions[k].categories[code] == nil { schema.dimensions[k].categories[code] = CategoryLabel(name: code) }
            }
            if code.isEmpty {
                try sink.reject(
                    ReadError(
                        SourceLocation(file: file, line: rec.line, column: c + 1),
                        "field \(c + 1) (\(headerNames[c])) is empty; expected a category"), raw: rawText(rec))
                return
            }
            rec.withField(c) { f in
                interners[k].insert(f, hash: ByteInterner.hash(f), value: code)
                cache[k].removeAll(keepingCapacity: true)
                cache[k].append(contentsOf: f)
            }
            cacheValue[k] = code
            coords.append(code)
        }
        if !regionNames.isEmpty, let g = geoDim, g < coords.count, let label = regionNames[coords[g]] {
            let name = coords[g]
            // In the wide layout the years are in the column headings, not in a column of the row.
            guard let t = timeDim, t < coords.count else {
                try sink.reject(
                    ReadError(
                        SourceLocation(file: file, line: rec.line, column: dimColumns[g] + 1),
                        "region name \"\(name)\" without a code cannot be matched in a file whose years are column headings; write the code with the name (\"0301 Oslo\")"
                    ), raw: rawText(rec))
                return
            }
            guard let year = RegionCellReader.year(of: coords[t]) else {
                try sink.reject(
                    ReadError(
                        SourceLocation(file: file, line: rec.line, column: dimColumns[g] + 1),
                        "region name \"\(name)\" without a code needs the row's year to find the code, and the row has none"),
                    raw: rawText(rec))
                return
            }
            switch regions.resolve(name, year: year) {
            case .success(let code):
                coords[g] = code
                if schema.dimensions[g].categories[code] == nil { schema.dimensions[g].categories[code] = label }
            case .failure(let e):
                try sink.reject(
                    ReadError(SourceLocation(file: file, line: rec.line, column: dimColumns[g] + 1), e.regionMessage), raw: rawText(rec))
                return
            }
        }
        switch dialect.layout {
        case .long, .matrix:
            let c = valueColumn
            let parsed = rec.withField(c) { NumberParser.parse($0, decimalComma: dialect.decimalComma) }
            try emitCell(parsed, coords: coords, rec: rec, column: c, into: &sink)
        case .wide:
            for (c, metric, period) in wideColumns {
                var cs = coords
                if let metric, wideMetricDim != nil { cs.append(metric) }
                cs.append(period)
                let parsed = rec.withField(c) { NumberParser.parse($0, decimalComma: dialect.decimalComma) }
                try emitCell(parsed, coords: cs, rec: rec, column: c, into: &sink)
            }
        }
    }

    /// The row as it is in the file: fields joined by the file's delimiter, a quoted field in
    /// its quotes with its quotes doubled (RFC 4180), at most about 2 000 bytes. Only a field
    /// quoted in part, or blanks outside a field's quotes, are not given back exactly.
    private func rawText(_ rec: borrowing CSVRecord) -> String {
        var bytes: [UInt8] = []
        for i in 0..<rec.count {
            if i > 0 { bytes.append(dialect.delimiter) }
            let quoted = rec.quoted[i]
            if quoted { bytes.append(0x22) }
            rec.withField(i) { f in
                if quoted { for b in f { bytes.append(b); if b == 0x22 { bytes.append(0x22) } } } else { bytes.append(contentsOf: f) }
            }
            if quoted { bytes.append(0x22) }
            if bytes.count > 2000 { break }
        }
        return dialect.encoding.decode(bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    private func emitCell<S: CellSink>(_ parsed: CellText, coords: [String], rec: borrowing CSVRecord, column c: Int, into sink: inout S)
        throws
    {
        let loc = SourceLocation(file: file, line: rec.line, column: c + 1)
        switch parsed {
        case .number(let v, let status):
            try sink.cell(Cell(coordinates: coords, value: v, status: status, location: loc), schema: schema, original: { rawText(rec) })
        case .symbol(let s):
            try sink.cell(Cell(coordinates: coords, value: nil, status: s, location: loc), schema: schema, original: { rawText(rec) })
        case .empty:
            // An empty cell is missing data; SSB writes `..` for that, so record it as such.
            try sink.cell(Cell(coordinates: coords, value: nil, status: "..", location: loc), schema: schema, original: { rawText(rec) })
        case .invalid:
            let text = rec.withField(c) { dialect.encoding.decode($0) } ?? "?"
            try sink.reject(
                ReadError(
                    loc,
                    "field \(c + 1) (\(headerNames[c])): expected a number (decimal \(dialect.decimalComma ? "comma" : "point")) or one of the symbols . .. ... : - *, found \"\(text)\""
                ), raw: rawText(rec))
        }
    }
}
