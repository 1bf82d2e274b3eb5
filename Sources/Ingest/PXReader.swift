import Foundation

/// Reads PX (PC-Axis) files (FORMATS.md §6): a keyword section, then `DATA=` with the values
/// row-major over the STUB variables followed by the HEADING variables (the last heading
/// variable varies fastest). The keyword section is small and held; DATA is streamed.
///
/// Encoding: a forced encoding wins; then a UTF-8 byte order mark; then `CODEPAGE`
/// (utf-8, iso-8859-1, windows-1252); then `CHARSET="ANSI"` (windows-1252). With none of
/// these the keyword section is read as UTF-8 if it is valid UTF-8 with non-ASCII text, and
/// as windows-1252 otherwise (the PX default).
///
/// Dimensions: one per STUB/HEADING variable, its id the variable name as written, categories
/// keyed by `CODES` (or by `VALUES` where a variable has no codes; for a region variable
/// without codes the code is split off the value text, `"0301 Oslo"` → `0301`).
/// Symbols: `.` to `......` and `-` (true zero), SSB's `:`, and the file's own `DATASYMBOL1`–`6`
/// and `DATASYMBOLNIL` strings. Keywords with a language suffix (`TITLE[en]`) are ignored; the
/// default language is read. Sparse files (`KEYS`) are not supported.
public final class PXReader {
    public let path: String
    public let displayName: String?
    public let encoding: TextEncoding?
    private var file: String { displayName ?? path }

    /// A keyword section larger than this is not a PX file (or has lost its `DATA=`).
    static let maxHeaderBytes = 256 << 20

    public init(path: String, displayName: String? = nil, encoding: TextEncoding? = nil) throws {
        self.path = path
        self.displayName = displayName
        self.encoding = encoding
        // Opening now reports a missing file or a directory before any reading starts.
        _ = try ChunkedFile(path: path, chunkSize: 16)
    }

    public func read<S: CellSink>(into sink: inout S) throws {
        let source = try ChunkedFile(path: path)
        var splitter = PXHeaderSplitter(file: file)
        var data: PXDataScanner? = nil
        try source.forEachChunk { chunk in
            if data != nil {
                try data!.feed(chunk, into: &sink)
                return
            }
            guard let offset = try splitter.feed(chunk) else { return }
            let header = try PXHeader(bytes: splitter.header, bom: splitter.bom, dataLine: splitter.line,
                                      file: file, forcedEncoding: encoding)
            data = PXDataScanner(header: header, file: file, line: splitter.line, column: splitter.column)
            try sink.begin(header.schema)
            try data!.feed(UnsafeBufferPointer(rebasing: chunk[offset...]), into: &sink)
        }
        guard var d = data else {
            throw splitter.endOfFileError()
        }
        try d.finish(into: &sink)
        try sink.end(d.schema)
    }
}

// MARK: - Bytes

@inline(__always) private func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

@inline(__always) private func isKeywordByte(_ b: UInt8) -> Bool {
    (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
}

// MARK: - Finding the end of the keyword section

/// Collects the keyword section and finds where `DATA=` starts, across chunk boundaries.
/// Checks quoting on the way: a PX string never spans lines, so a line break inside quotes
/// is an unterminated string, reported at the line where it started.
struct PXHeaderSplitter {
    enum State { case entryStart, keyword, dataBlank, body }

    let file: String
    var header: [UInt8] = []
    var line = 1
    var column = 0
    var bom = false
    private var started = false
    private var state = State.entryStart
    private var inQuote = false
    private var quoteLine = 0
    private var keywordStart = 0
    private var keyword: [UInt8] = []
    private var entryLine = 1

    init(file: String) { self.file = file }

    /// Consumes a chunk; returns the offset just after `DATA=` once it is found.
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) throws -> Int? {
        var i = 0
        if !started {
            started = true
            if chunk.count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { bom = true; i = 3 }
        }
        while i < chunk.count {
            let b = chunk[i]
            i += 1
            header.append(b)
            if b == 0x0A { line += 1; column = 0 } else { column += 1 }
            switch state {
            case .entryStart:
                if isBlank(b) { continue }
                if isKeywordByte(b) {
                    state = .keyword
                    keyword.removeAll(keepingCapacity: true)
                    keyword.append(b)
                    keywordStart = header.count - 1
                    entryLine = line
                    continue
                }
                state = .body
                try body(b)
            case .keyword:
                if isKeywordByte(b) { keyword.append(b); continue }
                if isDataKeyword {
                    if b == 0x3D { return dataFound(at: i) }
                    if isBlank(b) { state = .dataBlank; continue }
                }
                state = .body
                try body(b)
            case .dataBlank:
                if isBlank(b) { continue }
                if b == 0x3D { return dataFound(at: i) }
                state = .body
                try body(b)
            case .body:
                try body(b)
            }
        }
        if header.count > PXReader.maxHeaderBytes {
            throw ReadError(SourceLocation(file: file, line: line), "no DATA= in the first \(PXReader.maxHeaderBytes >> 20) MB; expected a PX keyword section ending with DATA=")
        }
        return nil
    }

    private var isDataKeyword: Bool {
        keyword.count == 4 && keyword[0] | 0x20 == 0x64 && keyword[1] | 0x20 == 0x61 && keyword[2] | 0x20 == 0x74 && keyword[3] | 0x20 == 0x61
    }

    private mutating func dataFound(at i: Int) -> Int {
        header.removeSubrange(keywordStart...)
        return i
    }

    private mutating func body(_ b: UInt8) throws {
        if inQuote {
            if b == 0x22 { inQuote = false }
            else if b == 0x0A || b == 0x0D {
                throw ReadError(SourceLocation(file: file, line: quoteLine), "unterminated string: a quoted text has no closing \" before the end of the line (PX splits long texts as \"…\" \"…\" on separate lines)")
            }
        } else if b == 0x22 {
            inQuote = true
            quoteLine = line
        } else if b == 0x3B {
            state = .entryStart
        }
    }

    /// The error for a file that ended before `DATA=`.
    func endOfFileError() -> ReadError {
        let blankOnly = header.allSatisfy(isBlank)
        if blankOnly {
            return ReadError(SourceLocation(file: file, line: 1), "the file is empty; expected a PX keyword section and DATA=")
        }
        if inQuote {
            return ReadError(SourceLocation(file: file, line: quoteLine), "unterminated string at the end of the file; the file seems truncated")
        }
        if state == .body || state == .keyword || state == .dataBlank {
            let k = String(decoding: keyword, as: UTF8.self)
            return ReadError(SourceLocation(file: file, line: entryLine), "truncated file: the entry \(k) starting here has no closing ';' and no DATA= follows")
        }
        return ReadError(SourceLocation(file: file, line: line), "truncated file: no DATA= section; expected the keywords to be followed by DATA= and the values")
    }
}

// MARK: - Keyword entries

enum PXItem {
    case string([UInt8])
    case token([UInt8])

    var bytes: [UInt8] {
        switch self {
        case .string(let b), .token(let b): return b
        }
    }
}

struct PXEntry {
    var keyword: String
    var language: String?
    var params: [[UInt8]]
    var items: [PXItem]
    var line: Int
}

enum PXKeywordParser {
    /// Parses the keyword section (everything before `DATA=`) into entries.
    static func parse(_ h: [UInt8], file: String) throws -> [PXEntry] {
        var entries: [PXEntry] = []
        var i = 0
        var line = 1
        let n = h.count
        func skipBlank() {
            while i < n, isBlank(h[i]) {
                if h[i] == 0x0A { line += 1 }
                i += 1
            }
        }
        func snippet() -> String {
            let end = min(n, i + 40)
            let s = h[i..<end].prefix { $0 != 0x0A && $0 != 0x0D }
            return String(decoding: s, as: UTF8.self)
        }
        func readString(_ keyword: String) throws -> [UInt8] {
            let startLine = line
            i += 1
            let start = i
            while i < n, h[i] != 0x22 {
                if h[i] == 0x0A { line += 1 }
                i += 1
            }
            guard i < n else {
                throw ReadError(SourceLocation(file: file, line: startLine), "unterminated string in \(keyword)")
            }
            let s = Array(h[start..<i])
            i += 1
            return s
        }
        while true {
            skipBlank()
            if i >= n { break }
            let entryLine = line
            let kStart = i
            while i < n, isKeywordByte(h[i]) { i += 1 }
            guard i > kStart else {
                throw ReadError(SourceLocation(file: file, line: line), "expected a keyword (like STUB=), found \"\(snippet())\"")
            }
            let keyword = String(decoding: h[kStart..<i], as: UTF8.self).uppercased()
            var language: String? = nil
            if i < n, h[i] == 0x5B {
                let lStart = i + 1
                while i < n, h[i] != 0x5D, h[i] != 0x0A { i += 1 }
                guard i < n, h[i] == 0x5D else {
                    throw ReadError(SourceLocation(file: file, line: entryLine), "\(keyword)[: the language code has no closing ]")
                }
                language = String(decoding: h[lStart..<i], as: UTF8.self)
                i += 1
            }
            var params: [[UInt8]] = []
            skipBlank()
            if i < n, h[i] == 0x28 {
                i += 1
                while true {
                    skipBlank()
                    guard i < n else {
                        throw ReadError(SourceLocation(file: file, line: entryLine), "\(keyword)(: the parameter list has no closing )")
                    }
                    if h[i] == 0x22 { params.append(try readString(keyword)) }
                    else if h[i] == 0x2C { i += 1 }
                    else if h[i] == 0x29 { i += 1; break }
                    else {
                        throw ReadError(SourceLocation(file: file, line: line), "\(keyword)(…): expected a quoted variable name, found \"\(snippet())\"")
                    }
                }
                skipBlank()
            }
            guard i < n, h[i] == 0x3D else {
                throw ReadError(SourceLocation(file: file, line: line), "expected '=' after the keyword \(keyword), found \"\(i < n ? snippet() : "the end of the keyword section")\"")
            }
            i += 1
            var items: [PXItem] = []
            var joinable = false
            while true {
                skipBlank()
                guard i < n else {
                    throw ReadError(SourceLocation(file: file, line: entryLine), "the entry \(keyword) has no closing ';'")
                }
                let b = h[i]
                if b == 0x3B { i += 1; break }
                if b == 0x2C { joinable = false; i += 1; continue }
                if b == 0x22 {
                    let s = try readString(keyword)
                    // Adjacent strings with no comma between them are one long text.
                    if joinable, case .string(let previous)? = items.last {
                        items[items.count - 1] = .string(previous + s)
                    } else {
                        items.append(.string(s))
                    }
                    joinable = true
                    continue
                }
                // An unquoted token: a number, YES/NO, or TLIST(A1, "1994"-"1996").
                let tStart = i
                var depth = 0
                while i < n {
                    let c = h[i]
                    if c == 0x22 {
                        i += 1
                        while i < n, h[i] != 0x22 { i += 1 }
                        if i < n { i += 1 }
                        continue
                    }
                    if c == 0x28 { depth += 1 }
                    else if c == 0x29 { depth -= 1 }
                    else if depth <= 0 && (c == 0x2C || c == 0x3B || isBlank(c)) { break }
                    if c == 0x0A { line += 1 }
                    i += 1
                }
                items.append(.token(Array(h[tStart..<i])))
                joinable = false
            }
            entries.append(PXEntry(keyword: keyword, language: language, params: params, items: items, line: entryLine))
        }
        return entries
    }
}

// MARK: - The keyword section, interpreted

struct PXHeader {
    var encoding: TextEncoding
    var schema: DatasetSchema
    /// Category codes per dimension, in VALUES order.
    var codes: [[String]]
    /// Custom symbol strings (as bytes in the file's encoding) and the status each stands for.
    var symbols: [([UInt8], String)]

    init(bytes: [UInt8], bom: Bool, dataLine: Int, file: String, forcedEncoding: TextEncoding?) throws {
        let entries = try PXKeywordParser.parse(bytes, file: file)
        // Only the default language; translations carry a [lang] suffix.
        let main = entries.filter { $0.language == nil }
        func first(_ k: String) -> PXEntry? { main.first { $0.keyword == k } }
        func loc(_ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }

        if let keys = first("KEYS") {
            throw ReadError(loc(keys.line), "KEYS (a sparse PX file) is not supported; export the table without KEYS")
        }

        // Encoding.
        var enc: TextEncoding
        if let forced = forcedEncoding { enc = forced }
        else if bom { enc = .utf8 }
        else if let cp = first("CODEPAGE") {
            let name = String(decoding: cp.items.first?.bytes ?? [], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let e = TextEncoding(name: name) else {
                throw ReadError(loc(cp.line), "CODEPAGE \"\(name)\" is not supported; expected utf-8, iso-8859-1 or windows-1252 (or force the encoding)")
            }
            enc = e
        } else if let cs = first("CHARSET"), String(decoding: cs.items.first?.bytes ?? [], as: UTF8.self).uppercased() == "ANSI" {
            enc = .windows1252
        } else {
            enc = bytes.withUnsafeBufferPointer { TextEncoding.sniff($0, isComplete: true).encoding }
        }
        encoding = enc
        let encodingName = enc.rawValue
        func decode(_ b: [UInt8], _ line: Int, _ what: String) throws -> String {
            guard let s = enc.decode(b) else {
                throw ReadError(loc(line), "\(what) is not valid \(encodingName) text; check CODEPAGE or force the encoding")
            }
            return s
        }
        func strings(_ e: PXEntry) throws -> [String] {
            try e.items.map { try decode($0.bytes, e.line, e.keyword) }
        }
        func param(_ e: PXEntry, _ k: Int) throws -> String? {
            k < e.params.count ? try decode(e.params[k], e.line, "\(e.keyword)(…)") : nil
        }

        // Variables.
        let stub = try first("STUB").map(strings) ?? []
        let heading = try first("HEADING").map(strings) ?? []
        let variables = stub + heading
        if variables.isEmpty {
            throw ReadError(loc(dataLine), "missing STUB and HEADING; expected the table's variables (STUB=\"region\"; HEADING=\"år\";) before DATA")
        }
        var seen = Set<String>()
        for v in variables where !seen.insert(v).inserted {
            let e = stub.contains(v) ? first("STUB")! : first("HEADING")!
            throw ReadError(loc(e.line), "variable \"\(v)\" is named twice in STUB/HEADING")
        }
        var valuesBy: [String: PXEntry] = [:]
        var codesBy: [String: PXEntry] = [:]
        var timeVariables = Set<String>()
        var variableCodes: [String: String] = [:]
        for e in main {
            switch e.keyword {
            case "VALUES": if let p = try param(e, 0) { valuesBy[p] = e }
            case "CODES": if let p = try param(e, 0) { codesBy[p] = e }
            case "TIMEVAL": if let p = try param(e, 0) { timeVariables.insert(p) }
            case "VARIABLE-CODE": if let p = try param(e, 0), let c = try strings(e).first { variableCodes[p] = c }
            default: break
            }
        }

        var dims: [Dimension] = []
        var allCodes: [[String]] = []
        for v in variables {
            let declared = stub.contains(v) ? first("STUB")! : first("HEADING")!
            guard let ve = valuesBy[v] else {
                throw ReadError(loc(declared.line), "VALUES(\"\(v)\") is missing for variable \"\(v)\" named in \(declared.keyword)")
            }
            let values = try strings(ve)
            if values.isEmpty {
                throw ReadError(loc(ve.line), "VALUES(\"\(v)\") is empty; expected at least one value")
            }
            let role = PXHeader.role(v, code: variableCodes[v], isTimeval: timeVariables.contains(v))
            var codes: [String]
            var labels: [CategoryLabel]
            if let ce = codesBy[v] {
                codes = try strings(ce).map { $0.trimmingCharacters(in: .whitespaces) }
                guard codes.count == values.count else {
                    throw ReadError(loc(ce.line), "CODES(\"\(v)\") has \(codes.count) codes but VALUES(\"\(v)\") has \(values.count) values; expected one code per value")
                }
                labels = zip(codes, values).map { code, text in
                    if role == .geo {
                        let parsed = RegionLabel.parse(text)
                        if parsed.code == code, let l = parsed.label { return l }
                        let (name, from, to) = RegionLabel.splitValidity(text)
                        return CategoryLabel(name: name, validFrom: from, validTo: to)
                    }
                    return CategoryLabel(name: text)
                }
            } else if role == .geo {
                let parsed = values.map(RegionLabel.parse)
                codes = parsed.map(\.code)
                labels = zip(parsed, values).map { p, text in p.label ?? CategoryLabel(name: text) }
            } else {
                codes = values
                labels = values.map { CategoryLabel(name: $0) }
            }
            var categories: [String: CategoryLabel] = [:]
            for (c, l) in zip(codes, labels) {
                if categories[c] != nil {
                    let e = codesBy[v] ?? ve
                    throw ReadError(loc(e.line), "\(e.keyword)(\"\(v)\") lists \"\(c)\" twice; expected distinct categories")
                }
                categories[c] = l
            }
            dims.append(Dimension(id: v, label: v, role: role, categories: categories))
            allCodes.append(codes)
        }
        codes = allCodes

        // Symbols.
        var symbols: [([UInt8], String)] = []
        for e in main {
            let status: String
            switch e.keyword {
            case "DATASYMBOL1": status = "."
            case "DATASYMBOL2": status = ".."
            case "DATASYMBOL3": status = "..."
            case "DATASYMBOL4": status = "...."
            case "DATASYMBOL5": status = "....."
            case "DATASYMBOL6": status = "......"
            case "DATASYMBOLNIL": status = "-"
            default: continue
            }
            if let b = e.items.first?.bytes, !b.isEmpty { symbols.append((b, status)) }
        }
        self.symbols = symbols

        // Metadata: every default-language keyword but the structure ones.
        var metadata: [String: String] = [:]
        for e in main where !["VALUES", "CODES", "STUB", "HEADING"].contains(e.keyword) {
            var key = e.keyword
            if !e.params.isEmpty {
                key += "(" + (try e.params.map { "\"" + (try decode($0, e.line, e.keyword)) + "\"" }).joined(separator: ",") + ")"
            }
            metadata[key] = try strings(e).joined(separator: ",")
        }
        func text(_ k: String) throws -> String? {
            guard let e = first(k) else { return nil }
            return try strings(e).joined()
        }
        schema = DatasetSchema(dimensions: dims, label: try text("TITLE"), updated: try text("LAST-UPDATED"),
                               source: try text("SOURCE"), metadata: metadata)
    }

    static func role(_ name: String, code: String?, isTimeval: Bool) -> DimensionRole {
        if isTimeval { return .time }
        func guess(_ n: String) -> DimensionRole {
            let l = n.lowercased()
            switch l {
            case "tid", "år", "aar", "year", "time": return .time
            case "statistikkvariabel", "contentscode", "contents": return .metric
            case "kommune", "fylke": return .geo
            default: return l.contains("region") ? .geo : .other
            }
        }
        let r = guess(name)
        if r == .other, let code { return guess(code) }
        return r
    }
}

// MARK: - Streaming DATA

/// Scans the DATA section chunk by chunk and emits one cell per value. A struct held in a
/// local variable, so the per-byte loop pays no dynamic exclusivity checks.
struct PXDataScanner {
    let schema: DatasetSchema
    let file: String
    let encoding: TextEncoding
    let codes: [[String]]
    let counts: [Int]
    let expected: Int
    let symbols: [([UInt8], String)]

    private var index: [Int]
    private var seen = 0
    private var line: Int
    private var column: Int
    private var token: [UInt8] = []
    private var inToken = false
    private var inQuote = false
    private var tokenLine = 0
    private var tokenColumn = 0
    private var finished = false
    private var endLine = 0
    private var firstExcessLine = 0

    init(header: PXHeader, file: String, line: Int, column: Int) {
        schema = header.schema
        self.file = file
        encoding = header.encoding
        codes = header.codes
        counts = header.codes.map(\.count)
        expected = counts.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        symbols = header.symbols
        index = Array(repeating: 0, count: header.codes.count)
        self.line = line
        self.column = column
        token.reserveCapacity(64)
    }

    mutating func feed<S: CellSink>(_ chunk: UnsafeBufferPointer<UInt8>, into sink: inout S) throws {
        if finished { return }
        var i = 0
        let n = chunk.count
        while i < n {
            let b = chunk[i]
            i += 1
            column += 1
            if inQuote {
                if b == 0x22 { inQuote = false }
                else if b == 0x0A || b == 0x0D {
                    throw ReadError(SourceLocation(file: file, line: tokenLine, column: tokenColumn), "unterminated string in DATA: a quoted symbol has no closing \" on its line")
                } else { token.append(b) }
                continue
            }
            switch b {
            case 0x0A:
                try flush(&sink)
                line += 1
                column = 0
            case 0x20, 0x09, 0x0D, 0x2C:
                try flush(&sink)
            case 0x22:
                if !inToken { startToken() }
                inQuote = true
            case 0x3B:
                try flush(&sink)
                finished = true
                endLine = line
                return
            default:
                if !inToken { startToken() }
                token.append(b)
            }
        }
    }

    @inline(__always)
    private mutating func startToken() {
        inToken = true
        tokenLine = line
        tokenColumn = column
    }

    mutating func finish<S: CellSink>(into sink: inout S) throws {
        if !finished {
            if inQuote {
                throw ReadError(SourceLocation(file: file, line: tokenLine, column: tokenColumn), "unterminated string at the end of the file; the file seems truncated")
            }
            try flush(&sink)
            throw ReadError(SourceLocation(file: file, line: line), "truncated file: DATA ends without ';' after \(seen) of \(expected) values")
        }
        if seen != expected {
            let dims = counts.map(String.init).joined(separator: " × ")
            let at = seen > expected ? firstExcessLine : endLine
            throw ReadError(SourceLocation(file: file, line: at), "DATA has \(seen) values, expected \(expected) (\(dims) from VALUES)")
        }
    }

    private mutating func flush<S: CellSink>(_ sink: inout S) throws {
        guard inToken else { return }
        inToken = false
        defer { token.removeAll(keepingCapacity: true) }
        seen += 1
        if seen > expected {
            if firstExcessLine == 0 { firstExcessLine = tokenLine }
            return
        }
        var value: Double? = nil
        var status: String? = nil
        var matched = false
        for (bytes, s) in symbols where bytes == token {
            status = s
            value = s == "-" ? 0 : nil
            matched = true
            break
        }
        let location = SourceLocation(file: file, line: tokenLine, column: tokenColumn)
        var coords: [String] = []
        coords.reserveCapacity(codes.count)
        for d in 0..<codes.count { coords.append(codes[d][index[d]]) }
        advance()
        if !matched {
            if token.count >= 4, token.count <= 6, token.allSatisfy({ $0 == 0x2E }) {
                status = String(repeating: ".", count: token.count)
            } else {
                switch token.withUnsafeBufferPointer({ NumberParser.parse($0, decimalComma: false) }) {
                case .number(let v, let s):
                    value = v
                    status = s
                case .symbol(let s):
                    status = s
                case .empty:
                    status = ".."
                case .invalid:
                    let text = encoding.decode(token) ?? String(decoding: token, as: UTF8.self)
                    try sink.reject(ReadError(location, "DATA value \(seen): expected a number (decimal point) or a symbol (. .. ... : -\(symbols.isEmpty ? "" : " or a DATASYMBOL")), found \"\(text)\""), raw: text)
                    return
                }
            }
        }
        try sink.cell(Cell(coordinates: coords, value: value, status: status, location: location), schema: schema)
    }

    /// Moves to the next cell: the last variable varies fastest.
    @inline(__always)
    private mutating func advance() {
        var d = index.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < counts[d] { return }
            index[d] = 0
            d -= 1
        }
    }
}
