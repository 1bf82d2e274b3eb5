import Foundation

/// The shape of a statbank "matrix" CSV (docs/FORMATS.md, "Statbank matrix CSV"), found in
/// the sniffed head: title lines, one header row per heading variable (stub cells blank), then
/// one row per stub combination, then perhaps a footer.
struct MatrixShape: Sendable, Equatable {
    /// Line of the first header row.
    var headerLine: Int
    var headerRows: Int
    var stubColumns: Int
    /// Role of each stub column, guessed from the sniffed data rows and the title.
    var stubRoles: [DimensionRole]

    static func isBlank(_ f: [UInt8]) -> Bool { f.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

    /// A header cell is blank, text, or a year or period (`2019`, `2019K1`); a symbol or any
    /// other number makes the row a data row.
    static func isHeaderCell(_ f: [UInt8], encoding: TextEncoding) -> Bool {
        switch f.withUnsafeBufferPointer({ NumberParser.parse($0, decimalComma: true) }) {
        case .empty, .invalid: return true
        case .symbol: return false
        case .number: return encoding.decode(f).flatMap { CSVReader.yearSuffix($0) }?.prefix.isEmpty == true
        }
    }

    /// Finds the matrix layout in the sniffed records, or nil when the file is not one.
    static func detect(records: [[[UInt8]]], lines: [Int], encoding: TextEncoding, title: String?) -> MatrixShape? {
        var i = 0
        // Title and blank lines: nothing after the first field.
        while i < records.count, records[i].dropFirst().allSatisfy(isBlank) { i += 1 }
        let start = i
        while i < records.count, records[i].count > 1, isBlank(records[i][0]), records[i].contains(where: { !isBlank($0) }),
            records[i].allSatisfy({ isHeaderCell($0, encoding: encoding) })
        { i += 1 }
        let headerRows = i - start
        guard headerRows > 0 else { return nil }
        let stub = records[start..<i].map { r in r.firstIndex { !isBlank($0) } ?? r.count }.min() ?? 1
        // Data rows in the head, up to the first blank line.
        var data: [[[UInt8]]] = []
        while i < records.count, records[i].contains(where: { !isBlank($0) }) { data.append(records[i]); i += 1 }
        var roles: [DimensionRole] = []
        let mentionsRegion = (title ?? "").lowercased().range(of: #"\b(region|kommune|fylke|bydel)"#, options: .regularExpression) != nil
        for k in 0..<stub {
            let texts = data.compactMap { $0.count > k && !isBlank($0[k]) ? encoding.decode($0[k]) : nil }
            if !texts.isEmpty, !roles.contains(.time), texts.allSatisfy({ CSVReader.yearSuffix($0)?.prefix.isEmpty == true }) {
                roles.append(.time); continue
            }
            if !roles.contains(.geo) {
                let codeLike = texts.filter { t in
                    if case .code(let c, _) = RegionCell.read(t) { return RegionCodeShape.looksLikeRegion(c) }
                    return false
                }.count
                if (!texts.isEmpty && codeLike * 2 >= texts.count) || mentionsRegion { roles.append(.geo); continue }
            }
            roles.append(.other)
        }
        return MatrixShape(headerLine: lines[start], headerRows: headerRows, stubColumns: stub, stubRoles: roles)
    }
}

enum RegionCodeShape {
    /// A kommune, fylke or aggregate code as SSB writes them (`0301`, `K-3801`, `03`, `EAK`, `EKG13`).
    static func looksLikeRegion(_ code: String) -> Bool {
        let u = Array(code.utf8)
        func digits(_ s: ArraySlice<UInt8>) -> Bool { !s.isEmpty && s.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        if (u.count == 4 || u.count == 2) && digits(u[...]) { return true }
        if u.count == 6, u.starts(with: Array("K-".utf8)), digits(u[2...]) { return true }
        return u.starts(with: Array("EA".utf8)) || u.starts(with: Array("EK".utf8))
    }
}

/// Turns the records of a matrix CSV into cells, streaming: header rows are collected, then
/// each stub row gives one cell per value column; rows after a blank line are the footer.
struct MatrixBuilder {
    enum State { case before, header, data, footer }

    let shape: MatrixShape
    let dialect: CSVDialect
    let file: String
    let roles: [String: DimensionRole]
    var regions: RegionCellReader
    var state = State.before
    var headerRecords: [[String]] = []
    var headerLines: [Int] = []
    var schema = DatasetSchema(dimensions: [])
    /// Per value column: its index and heading values (one per header row).
    var valueColumns: [(column: Int, headings: [String])] = []
    var lastColumn = 0
    var geoStub: Int?
    var timeDim: Int?
    /// Heading dimension of each header row.
    var headingDims: [Int] = []
    var previousStub: [String] = []
    var footer: [String] = []
    var footerStart: Int?
    var dataRows = 0

    init(shape: MatrixShape, dialect: CSVDialect, file: String, roles: [String: DimensionRole], regions: RegionCellReader) {
        self.shape = shape
        self.dialect = dialect
        self.file = file
        self.roles = roles
        self.regions = regions
    }

    private func loc(_ line: Int, _ column: Int? = nil) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private func fields(_ rec: borrowing CSVRecord) -> [[UInt8]] { (0..<rec.count).map { rec.field($0) } }

    mutating func record<S: CellSink>(_ rec: borrowing CSVRecord, into sink: inout S) throws {
        if rec.line < shape.headerLine { return }
        switch state {
        case .before, .header:
            if headerRecords.count < shape.headerRows {
                state = .header
                var texts: [String] = []
                for (i, f) in fields(rec).enumerated() {
                    guard let t = dialect.encoding.decode(f) else {
                        throw ReadError(
                            loc(rec.line, i + 1),
                            "header field \(i + 1) is not valid \(dialect.encoding.rawValue) text; force the encoding with --encoding")
                    }
                    texts.append(HTMLEntities.decode(t).trimmingCharacters(in: .whitespaces))
                }
                headerRecords.append(texts)
                headerLines.append(rec.line)
                if headerRecords.count == shape.headerRows {
                    try buildSchema()
                    try sink.begin(schema)
                    state = .data
                }
                return
            }
        case .data:
            let f = fields(rec)
            if f.allSatisfy(MatrixShape.isBlank) { startFooter(rec.line); return }
            if MatrixBuilder.isFooterLine(f, encoding: dialect.encoding) {
                startFooter(rec.line)
                footer.append(footerText(f))
                return
            }
            try dataRow(f, line: rec.line, into: &sink)
        case .footer:
            let f = fields(rec)
            if f.allSatisfy(MatrixShape.isBlank) { return }
            if f.count > shape.stubColumns, !MatrixShape.isBlank(f[0]),
                valueColumns.contains(where: { v in v.column < f.count && MatrixBuilder.isNumber(f[v.column], dialect.decimalComma) })
            {
                throw ReadError(
                    loc(rec.line),
                    "a data row after the footer that starts at line \(footerStart ?? rec.line); expected the data rows together, before the footer (remove the blank line)"
                )
            }
            footer.append(footerText(f))
        }
    }

    private mutating func startFooter(_ line: Int) {
        state = .footer
        if footerStart == nil { footerStart = line }
    }

    private func footerText(_ f: [[UInt8]]) -> String {
        let parts = f.filter { !MatrixShape.isBlank($0) }.map { dialect.encoding.decode($0) ?? String(decoding: $0, as: UTF8.self) }
        return HTMLEntities.decode(parts.joined(separator: String(UnicodeScalar(dialect.delimiter))))
    }

    /// Metadata SSB and exporters write under the data: a first cell naming it, the rest empty.
    static func isFooterLine(_ f: [[UInt8]], encoding: TextEncoding) -> Bool {
        guard !f.isEmpty, f.dropFirst().allSatisfy(MatrixShape.isBlank), let t = encoding.decode(f[0]) else { return false }
        let l = t.trimmingCharacters(in: .whitespaces).lowercased()
        return footerPrefixes.contains { l.hasPrefix($0) }
    }

    static let footerPrefixes = [
        "sist endret", "sist oppdatert", "kilde", "kontakt", "fotnote", "merknad", "note", "source", "last updated",
        "last changed", "contact", "footnote", "<", "statistisk sentralbyrå", "statistics norway"
    ]

    static func isNumber(_ f: [UInt8], _ decimalComma: Bool) -> Bool {
        if case .number = f.withUnsafeBufferPointer({ NumberParser.parse($0, decimalComma: decimalComma) }) { return true }
        return false
    }

    private mutating func buildSchema() throws {
        let stub = shape.stubColumns
        // The value columns run to the last column any header row names.
        let lastIndex = headerRecords.map { $0.lastIndex(where: { !$0.isEmpty }) ?? 0 }.max() ?? 0
        guard lastIndex >= stub else {
            throw ReadError(
                loc(headerLines.last!),
                "the header rows name no value column; expected one heading value per column after the \(stub) stub column\(stub == 1 ? "" : "s")"
            )
        }
        lastColumn = lastIndex
        // A heading value spans the columns up to the next non-empty cell of its row.
        var columns: [(Int, [String])] = []
        for c in stub...lastIndex {
            var values: [String] = []
            for (r, row) in headerRecords.enumerated() {
                var k = min(c, row.count - 1)
                while k >= stub, row[k].isEmpty { k -= 1 }
                guard k >= stub else {
                    throw ReadError(
                        loc(headerLines[r], c + 1),
                        "header row \(r + 1) has no heading value over column \(c + 1); expected a value at or before it")
                }
                values.append(row[k])
            }
            columns.append((c, values))
        }
        valueColumns = columns
        var seen = Set<[String]>()
        for (c, v) in columns where !seen.insert(v).inserted {
            throw ReadError(
                loc(headerLines.last!, c + 1),
                "column \(c + 1) repeats the heading \(v.joined(separator: " / ")); expected each column once")
        }
        // Dimensions: stub columns, then one per header row.
        var dims: [Dimension] = []
        for k in 0..<stub {
            let role = shape.stubRoles[k]
            let id: String
            switch role {
            case .geo: id = "region"
            case .time: id = "år"
            default: id = "stub\(k + 1)"
            }
            dims.append(Dimension(id: id, role: role))
        }
        var metricTaken = false
        for r in 0..<headerRecords.count {
            let distinct = Set(columns.map { $0.1[r] })
            let role: DimensionRole
            if distinct.allSatisfy({ CSVReader.yearSuffix($0)?.prefix.isEmpty == true }) && !dims.contains(where: { $0.role == .time }) {
                role = .time
            } else if !metricTaken {
                role = .metric; metricTaken = true
            } else {
                role = .other
            }
            let id = role == .time ? "år" : role == .metric ? "statistikkvariabel" : "heading\(r + 1)"
            var d = Dimension(id: id, role: role)
            for v in distinct { d.categories[v] = CategoryLabel(name: v) }
            headingDims.append(dims.count)
            dims.append(d)
        }
        for i in dims.indices { if let r = roles[dims[i].id] { dims[i].role = r } }
        geoStub = dims.prefix(stub).firstIndex { $0.role == .geo }
        timeDim = dims.firstIndex { $0.role == .time }
        schema = DatasetSchema(dimensions: dims, label: dialect.titleLines.first { !$0.isEmpty })
        previousStub = Array(repeating: "", count: stub)
    }

    private mutating func dataRow<S: CellSink>(_ f: [[UInt8]], line: Int, into sink: inout S) throws {
        let stub = shape.stubColumns
        let raw = rawText(f)
        guard f.count > lastColumn else {
            try sink.reject(ReadError(loc(line), "expected \(lastColumn + 1) fields as in the header, found \(f.count)"), raw: raw)
            return
        }
        for c in (lastColumn + 1)..<f.count where !MatrixShape.isBlank(f[c]) {
            let t = dialect.encoding.decode(f[c]) ?? "?"
            try sink.reject(
                ReadError(
                    loc(line, c + 1), "field \(c + 1) is outside the table (the header names \(lastColumn + 1) columns) but holds \"\(t)\""),
                raw: raw)
            return
        }
        // Stub values: a blank cell before the last stub column repeats the row above.
        var stubValues: [String] = []
        var regionName: (String, CategoryLabel)? = nil
        for k in 0..<stub {
            guard var text = dialect.encoding.decode(f[k]) else {
                try sink.reject(
                    ReadError(
                        loc(line, k + 1),
                        "field \(k + 1) is not valid \(dialect.encoding.rawValue) text; declare the file's encoding (`encoding:` in the pipeline, --encoding for inspect)"
                    ), raw: raw)
                return
            }
            text = text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                if k < stub - 1, !previousStub[k].isEmpty { stubValues.append(previousStub[k]); continue }
                try sink.reject(
                    ReadError(loc(line, k + 1), "field \(k + 1) (\(schema.dimensions[k].id)) is empty; expected a category"), raw: raw)
                return
            }
            defer { if stubValues.count == k + 1 { previousStub[k] = stubValues[k] } }
            if k == geoStub {
                switch regions.classify(text) {
                case .code(let code, let label):
                    if let label, schema.dimensions[k].categories[code] == nil { schema.dimensions[k].categories[code] = label }
                    stubValues.append(code)
                case .name(let name, let label):
                    regionName = (name, label)
                    stubValues.append(name)
                case .reject(let message):
                    try sink.reject(ReadError(loc(line, k + 1), message), raw: raw)
                    return
                }
            } else {
                if schema.dimensions[k].categories[text] == nil { schema.dimensions[k].categories[text] = CategoryLabel(name: text) }
                stubValues.append(text)
            }
        }
        dataRows += 1
        var coords = stubValues
        for (c, headings) in valueColumns {
            coords.removeSubrange(stub...)
            coords.append(contentsOf: headings)
            let location = loc(line, c + 1)
            if let (name, label) = regionName, let g = geoStub {
                guard let t = timeDim, let year = RegionCellReader.year(of: coords[t]) else {
                    try sink.reject(
                        ReadError(location, "region name \"\(name)\" without a code needs a year to find the code, and this cell has none"),
                        raw: raw)
                    continue
                }
                switch regions.resolve(name, year: year) {
                case .success(let code):
                    coords[g] = code
                    if schema.dimensions[g].categories[code] == nil { schema.dimensions[g].categories[code] = label }
                case .failure(let e):
                    try sink.reject(ReadError(loc(line, g + 1), e.regionMessage), raw: raw)
                    continue
                }
            }
            switch f[c].withUnsafeBufferPointer({ NumberParser.parse($0, decimalComma: dialect.decimalComma) }) {
            case .number(let v, let status):
                try sink.cell(Cell(coordinates: coords, value: v, status: status, location: location), schema: schema)
            case .symbol(let s):
                try sink.cell(Cell(coordinates: coords, value: nil, status: s, location: location), schema: schema)
            case .empty:
                try sink.cell(Cell(coordinates: coords, value: nil, status: "..", location: location), schema: schema)
            case .invalid:
                let text = dialect.encoding.decode(f[c]) ?? "?"
                try sink.reject(
                    ReadError(
                        location,
                        "field \(c + 1) (\(headings.joined(separator: " "))): expected a number (decimal \(dialect.decimalComma ? "comma" : "point")) or one of the symbols . .. ... : - *, found \"\(text)\""
                    ), raw: raw)
            }
        }
    }

    private func rawText(_ f: [[UInt8]]) -> String {
        let bytes = Array(f.joined(separator: [dialect.delimiter]).prefix(500))
        return dialect.encoding.decode(bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Ends the read: the footer is kept as metadata.
    mutating func finish() {
        if !footer.isEmpty { schema.metadata["footer"] = footer.joined(separator: "\n") }
    }
}
