// Why this file is long: the PX keyword grammar, languages, KEYS and TIMEVAL all feed one header
// and one DATA scanner; split apart they would share most of their state through parameters.

import Foundation

/// Reads PX (PC-Axis) files (docs/FORMATS.md, "PX"): a keyword section, then `DATA=` with the values
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
    /// The language to read (`LANGUAGES`); nil reads the default language.
    public let language: String?
    /// What the reader saw (language, encoding, keys), known after `read`.
    public private(set) var dialect = "px"
    private var file: String { displayName ?? path }

    /// A keyword section larger than this is not a PX file (or has lost its `DATA=`).
    static let maxHeaderBytes = 256 << 20

    public init(path: String, displayName: String? = nil, encoding: TextEncoding? = nil, language: String? = nil) throws {
        self.path = path
        self.displayName = displayName
        self.encoding = encoding
        self.language = language
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
            let header = try PXHeader(
                bytes: splitter.header, bom: splitter.bom, dataLine: splitter.line,
                file: file, forcedEncoding: encoding, language: language)
            dialect = header.dialect
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

/// Keyword letters; legacy files write some keywords with dots (`LAST.UPDATED`).
@inline(__always) private func isKeywordByte(_ b: UInt8) -> Bool {
    (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
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
            throw ReadError(
                SourceLocation(file: file, line: line),
                "no DATA= in the first \(PXReader.maxHeaderBytes >> 20) MB; expected a PX keyword section ending with DATA=")
        }
        return nil
    }

    private var isDataKeyword: Bool {
        keyword.count == 4 && keyword[0] | 0x20 == 0x64 && keyword[1] | 0x20 == 0x61 && keyword[2] | 0x20 == 0x74
            && keyword[3] | 0x20 == 0x61
    }

    private mutating func dataFound(at i: Int) -> Int {
        header.removeSubrange(keywordStart...)
        return i
    }

    private mutating func body(_ b: UInt8) throws {
        if inQuote {
            if b == 0x22 {
                inQuote = false
            } else if b == 0x0A || b == 0x0D {
                throw ReadError(
                    SourceLocation(file: file, line: quoteLine),
                    "unterminated string: a quoted text has no closing \" before the end of the line (PX splits long texts as \"…\" \"…\" on separate lines)"
                )
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
            return ReadError(
                SourceLocation(file: file, line: quoteLine), "unterminated string at the end of the file; the file seems truncated")
        }
        if state == .body || state == .keyword || state == .dataBlank {
            let k = String(decoding: keyword, as: UTF8.self)
            return ReadError(
                SourceLocation(file: file, line: entryLine),
                "truncated file: the entry \(k) starting here has no closing ';' and no DATA= follows")
        }
        return ReadError(
            SourceLocation(file: file, line: line),
            "truncated file: no DATA= section; expected the keywords to be followed by DATA= and the values")
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
            let keyword = String(decoding: h[kStart..<i], as: UTF8.self).uppercased().replacingOccurrences(of: ".", with: "-")
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
                    if h[i] == 0x22 {
                        params.append(try readString(keyword))
                    } else if h[i] == 0x2C {
                        i += 1
                    } else if h[i] == 0x29 {
                        i += 1; break
                    } else {
                        throw ReadError(
                            SourceLocation(file: file, line: line), "\(keyword)(…): expected a quoted variable name, found \"\(snippet())\""
                        )
                    }
                }
                skipBlank()
            }
            guard i < n, h[i] == 0x3D else {
                throw ReadError(
                    SourceLocation(file: file, line: line),
                    "expected '=' after the keyword \(keyword), found \"\(i < n ? snippet() : "the end of the keyword section")\"")
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
                    if c == 0x28 {
                        depth += 1
                    } else if c == 0x29 {
                        depth -= 1
                    } else if depth <= 0 && (c == 0x2C || c == 0x3B || isBlank(c)) {
                        break
                    }
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

/// The keyword section read in named steps: choose the language, choose the encoding, read
/// the variables and their categories, the symbols, the sparse-data keys and the metadata.
struct PXHeader {
    var encoding: TextEncoding
    var schema: DatasetSchema
    /// Category codes per dimension, in VALUES order.
    var codes: [[String]]
    /// Custom symbol strings (as bytes in the file's encoding) and the status each stands for.
    var symbols: [([UInt8], String)]
    /// Status for data cells written as one to seven dots (`DATASYMBOL1`…`6`, `DATASYMBOLSUM`).
    var dotStatus: [String]
    /// Sparse files: how many leading stub variables are key columns, and each key's index by text.
    var keyColumns = 0
    var keyLookup: [[String: Int]] = []
    /// What the reader saw, for the dialect line.
    var dialect: String

    let file: String

    init(bytes: [UInt8], bom: Bool, dataLine: Int, file: String, forcedEncoding: TextEncoding?, language: String? = nil) throws {
        self.file = file
        let entries = try PXKeywordParser.parse(bytes, file: file)
        let (enc, encodingNote) = try PXHeader.chooseEncoding(entries, bytes: bytes, bom: bom, forced: forcedEncoding, file: file)
        encoding = enc
        let decoder = PXText(encoding: enc, file: file)
        let (main, languageNote) = try PXHeader.selectLanguage(entries, asked: language, decoder: decoder, dataLine: dataLine)
        let variables = try PXHeader.readVariables(main, decoder: decoder, dataLine: dataLine)
        codes = variables.codes
        (symbols, dotStatus) = PXHeader.readSymbols(main)
        let stubCount = try main.first { $0.keyword == "STUB" }.map { try decoder.strings($0) }?.count ?? 0
        (keyColumns, keyLookup) = try PXHeader.readKeys(
            main, dimensions: variables.dimensions, codes: variables.codes, values: variables.values, stubCount: stubCount, decoder: decoder
        )
        schema = try PXHeader.readMetadata(
            main,
            dimensions: try PXHeader.readValueNotes(
                main, dimensions: variables.dimensions, codes: variables.codes,
                values: variables.values, decoder: decoder),
            decoder: decoder)
        var d = "px \(languageNote) \(encodingNote)"
        if keyColumns > 0 { d += " keys=\(keyColumns)" }
        if let t = variables.timeScale { d += " timeval=\(t)" }
        dialect = d
    }

    private static func loc(_ file: String, _ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }

    // MARK: Encoding

    /// A forced encoding wins, then a BOM, then CODEPAGE or CHARSET="ANSI", unless the bytes
    /// contradict them: valid UTF-8 with non-ASCII text is UTF-8 whatever is declared, and
    /// bytes that cannot be UTF-8 are Windows-1252 even if UTF-8 is declared.
    static func chooseEncoding(_ entries: [PXEntry], bytes: [UInt8], bom: Bool, forced: TextEncoding?, file: String) throws -> (
        TextEncoding, String
    ) {
        if let forced { return (forced, "encoding=\(forced.rawValue) (forced)") }
        if bom { return (.utf8, "encoding=utf-8 (BOM)") }
        let sniffed = bytes.withUnsafeBufferPointer { TextEncoding.sniff($0, isComplete: true).encoding }
        let hasNonASCII = bytes.contains { $0 >= 0x80 }
        if let cp = entries.first(where: { $0.keyword == "CODEPAGE" }) {
            let name = String(decoding: cp.items.first?.bytes ?? [], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let declared = TextEncoding(name: name)
            if hasNonASCII && (declared ?? sniffed) != sniffed && (sniffed == .utf8 || declared == .utf8) {
                return (sniffed, "encoding=\(sniffed.rawValue) (CODEPAGE says \(name), the bytes are \(sniffed.rawValue))")
            }
            guard let e = declared else {
                throw ReadError(
                    loc(file, cp.line),
                    "CODEPAGE \"\(name)\" is not supported; expected utf-8, iso-8859-1, iso-8859-15 or windows-1252 (or force the encoding)"
                )
            }
            return (e, "encoding=\(e.rawValue) (CODEPAGE)")
        }
        if let cs = entries.first(where: { $0.keyword == "CHARSET" }),
            String(decoding: cs.items.first?.bytes ?? [], as: UTF8.self).uppercased() == "ANSI"
        {
            if hasNonASCII && sniffed == .utf8 { return (.utf8, "encoding=utf-8 (CHARSET says ANSI, the bytes are utf-8)") }
            return (.windows1252, "encoding=windows-1252 (CHARSET=ANSI)")
        }
        return (sniffed, "encoding=\(sniffed.rawValue) (sniffed)")
    }

    // MARK: Language

    /// The entries of one language, keyed as the default language's are (`KEYWORD` without
    /// `[lang]`). The default language is LANGUAGE's (entries without a suffix or with its
    /// suffix); another asked language takes its `[lang]` entries and the untranslated rest
    /// (CODES, TIMEVAL, …) from the default language, with variable names translated.
    static func selectLanguage(_ entries: [PXEntry], asked: String?, decoder: PXText, dataLine: Int) throws -> ([PXEntry], String) {
        let defaultLanguage = try entries.first { $0.keyword == "LANGUAGE" && $0.language == nil }.flatMap { try decoder.strings($0).first }
        let listed = try entries.first { $0.keyword == "LANGUAGES" && $0.language == nil }.map { try decoder.strings($0) } ?? []
        var all = listed
        if let d = defaultLanguage, !all.contains(d) { all.insert(d, at: 0) }
        for e in entries { if let l = e.language, !all.contains(l) { all.append(l) } }
        let base = entries.filter { $0.language == nil || $0.language == defaultLanguage }.map { e -> PXEntry in
            var c = e; c.language = nil; return c
        }
        let of = all.isEmpty ? "" : " (of \(all.joined(separator: ", ")))"
        guard let asked, asked != defaultLanguage else {
            return (base, "language=\(defaultLanguage ?? "default")\(of)")
        }
        guard all.contains(asked) else {
            let have = all.isEmpty ? "it has only its default language" : "it has \(all.joined(separator: ", "))"
            throw ReadError(loc(decoder.file, 1), "the file has no language \"\(asked)\"; \(have)")
        }
        let translated = entries.filter { $0.language == asked }.map { e -> PXEntry in
            var c = e; c.language = nil; return c
        }
        // Variable names: the default language's, position by position.
        func names(_ from: [PXEntry], _ k: String) throws -> [String] {
            try from.first { $0.keyword == k }.map { try decoder.strings($0) } ?? []
        }
        var rename: [String: [UInt8]] = [:]
        for k in ["STUB", "HEADING"] {
            let d = try names(base, k), t = try names(translated, k)
            if t.isEmpty { continue }
            guard d.count == t.count else {
                let line = translated.first { $0.keyword == k }?.line ?? dataLine
                throw ReadError(
                    loc(decoder.file, line),
                    "\(k)[\(asked)] names \(t.count) variables but \(k) names \(d.count); expected one translation per variable")
            }
            for (x, y) in zip(d, t) { rename[x] = decoder.encoding.encode(y) }
        }
        func key(_ e: PXEntry) -> String { e.keyword + "|" + e.params.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "|") }
        let have = Set(translated.map(key))
        var out = translated
        for e in base {
            var c = e
            if let p = c.params.first, let d = try? decoder.decode(p, e.line, e.keyword), let r = rename[d] { c.params[0] = r }
            if !have.contains(key(c)) { out.append(c) }
        }
        return (out, "language=\(asked)\(of)")
    }

    // MARK: Variables

    struct Variables {
        var dimensions: [Dimension]
        var codes: [[String]]
        /// The VALUES texts as written, per dimension.
        var values: [[String]]
        var timeScale: String?
    }

    static func readVariables(_ main: [PXEntry], decoder: PXText, dataLine: Int) throws -> Variables {
        let file = decoder.file
        func first(_ k: String) -> PXEntry? { main.first { $0.keyword == k } }
        let stub = try first("STUB").map(decoder.strings) ?? []
        let heading = try first("HEADING").map(decoder.strings) ?? []
        let variables = stub + heading
        if variables.isEmpty {
            throw ReadError(
                loc(file, dataLine),
                "missing STUB and HEADING; expected the table's variables (STUB=\"region\"; HEADING=\"år\";) before DATA")
        }
        var seen = Set<String>()
        for v in variables where !seen.insert(v).inserted {
            let e = stub.contains(v) ? first("STUB")! : first("HEADING")!
            throw ReadError(loc(file, e.line), "variable \"\(v)\" is named twice in STUB/HEADING")
        }
        var valuesBy: [String: PXEntry] = [:]
        var codesBy: [String: PXEntry] = [:]
        var timevals: [String: PXEntry] = [:]
        var variableCodes: [String: String] = [:]
        for e in main {
            switch e.keyword {
            case "VALUES": if let p = try decoder.param(e, 0) { valuesBy[p] = e }
            case "CODES": if let p = try decoder.param(e, 0) { codesBy[p] = e }
            case "TIMEVAL": if let p = try decoder.param(e, 0) { timevals[p] = e }
            case "VARIABLE-CODE": if let p = try decoder.param(e, 0), let c = try decoder.strings(e).first { variableCodes[p] = c }
            default: break
            }
        }
        var dims: [Dimension] = []
        var allCodes: [[String]] = []
        var allValues: [[String]] = []
        var timeScale: String? = nil
        for v in variables {
            let declared = stub.contains(v) ? first("STUB")! : first("HEADING")!
            let timeval = try timevals[v].map { try PXTimeval.read($0, decoder: decoder) }
            if let t = timeval { timeScale = t.scale }
            let values: [String]
            let valuesLine: Int
            if let ve = valuesBy[v] {
                values = try decoder.strings(ve)
                valuesLine = ve.line
            } else if let t = timeval, !t.values.isEmpty {
                values = t.values
                valuesLine = timevals[v]!.line
            } else {
                throw ReadError(loc(file, declared.line), "VALUES(\"\(v)\") is missing for variable \"\(v)\" named in \(declared.keyword)")
            }
            if values.isEmpty {
                throw ReadError(loc(file, valuesLine), "VALUES(\"\(v)\") is empty; expected at least one value")
            }
            let role = PXHeader.role(v, code: variableCodes[v], isTimeval: timeval != nil)
            var codes: [String]
            var labels: [CategoryLabel]
            if let ce = codesBy[v] {
                codes = try decoder.strings(ce).map { $0.trimmingCharacters(in: .whitespaces) }
                guard codes.count == values.count else {
                    throw ReadError(
                        loc(file, ce.line),
                        "CODES(\"\(v)\") has \(codes.count) codes but VALUES(\"\(v)\") has \(values.count) values; expected one code per value"
                    )
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
                    let e = codesBy[v] ?? valuesBy[v] ?? declared
                    throw ReadError(loc(file, e.line), "\(e.keyword)(\"\(v)\") lists \"\(c)\" twice; expected distinct categories")
                }
                categories[c] = l
            }
            dims.append(Dimension(id: v, label: v, role: role, categories: categories))
            allCodes.append(codes)
            allValues.append(values)
        }
        return Variables(dimensions: dims, codes: allCodes, values: allValues, timeScale: timeScale)
    }

    // MARK: Symbols

    /// SSB's symbols for cells written as dots: the presentation text a file declares for
    /// `DATASYMBOL1`…`6` and `DATASYMBOLSUM` (seven dots) when it is one of SSB's symbols,
    /// else the dots themselves. A data cell may also be written as the declared text.
    static func readSymbols(_ main: [PXEntry]) -> ([([UInt8], String)], [String]) {
        let ssb: Set<String> = [".", "..", "...", ":", "-", "*"]
        var dots = (1...7).map { String(repeating: ".", count: $0) }
        var symbols: [([UInt8], String)] = []
        for e in main {
            let position: Int
            switch e.keyword {
            case "DATASYMBOL1": position = 1
            case "DATASYMBOL2": position = 2
            case "DATASYMBOL3": position = 3
            case "DATASYMBOL4": position = 4
            case "DATASYMBOL5": position = 5
            case "DATASYMBOL6": position = 6
            case "DATASYMBOLSUM": position = 7
            case "DATASYMBOLNIL":
                if let b = e.items.first?.bytes, !b.isEmpty { symbols.append((b, "-")) }
                continue
            default: continue
            }
            guard let b = e.items.first?.bytes, !b.isEmpty else { continue }
            let text = String(decoding: b, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if ssb.contains(text) && text != "-" && text != "*" { dots[position - 1] = text }
            symbols.append((b, dots[position - 1]))
        }
        return (symbols, dots)
    }

    // MARK: Keys (sparse data)

    /// `KEYS("var")=VALUES` or `CODES`: every stub variable is a key column written at the
    /// start of each data line, followed by the heading values.
    static func readKeys(_ main: [PXEntry], dimensions: [Dimension], codes: [[String]], values: [[String]], stubCount: Int, decoder: PXText)
        throws -> (Int, [[String: Int]])
    {
        let keys = main.filter { $0.keyword == "KEYS" }
        guard !keys.isEmpty else { return (0, []) }
        var mode: [String: String] = [:]
        for k in keys {
            guard let v = try decoder.param(k, 0) else {
                throw ReadError(loc(decoder.file, k.line), "KEYS without a variable; expected KEYS(\"variable\")=VALUES or CODES")
            }
            let m = (try decoder.strings(k).first ?? "").uppercased()
            guard m == "VALUES" || m == "CODES" else {
                throw ReadError(loc(decoder.file, k.line), "KEYS(\"\(v)\")=\(m): expected VALUES or CODES")
            }
            guard let d = dimensions.firstIndex(where: { $0.id == v }), d < stubCount else {
                throw ReadError(loc(decoder.file, k.line), "KEYS(\"\(v)\"): \"\(v)\" is not a STUB variable; keys are stub variables")
            }
            mode[v] = m
        }
        var lookups: [[String: Int]] = []
        for d in 0..<stubCount {
            let v = dimensions[d].id
            guard let m = mode[v] else {
                throw ReadError(
                    loc(decoder.file, keys[0].line),
                    "KEYS names some stub variables but not \"\(v)\"; expected a KEYS entry for every STUB variable")
            }
            var lookup: [String: Int] = [:]
            for (i, code) in codes[d].enumerated() { lookup[code] = i }
            if m == "VALUES" { for (i, text) in values[d].enumerated() { lookup[text.trimmingCharacters(in: .whitespaces)] = i } }
            lookups.append(lookup)
        }
        return (stubCount, lookups)
    }

    // MARK: Value notes

    /// `VALUENOTE("region","3801 Horten")="…"` (and `VALUENOTEX`): a footnote on one category.
    static func readValueNotes(_ main: [PXEntry], dimensions: [Dimension], codes: [[String]], values: [[String]], decoder: PXText) throws
        -> [Dimension]
    {
        var dims = dimensions
        for e in main where e.keyword == "VALUENOTE" || e.keyword == "VALUENOTEX" {
            guard let v = try decoder.param(e, 0), let value = try decoder.param(e, 1),
                let d = dims.firstIndex(where: { $0.id == v }), let k = values[d].firstIndex(of: value) ?? codes[d].firstIndex(of: value)
            else { continue }
            let text = try decoder.strings(e).joined()
            let code = codes[d][k]
            let previous = dims[d].categories[code]?.note
            dims[d].categories[code]?.note = previous.map { $0 + "\n" + text } ?? text
        }
        return dims
    }

    // MARK: Metadata

    /// Every keyword but the structure ones is kept as published (unknown ones too).
    static func readMetadata(_ main: [PXEntry], dimensions: [Dimension], decoder: PXText) throws -> DatasetSchema {
        var metadata: [String: String] = [:]
        for e in main where !["VALUES", "CODES", "STUB", "HEADING"].contains(e.keyword) {
            var key = e.keyword
            if !e.params.isEmpty {
                key += "(" + (try e.params.map { "\"" + (try decoder.decode($0, e.line, e.keyword)) + "\"" }).joined(separator: ",") + ")"
            }
            metadata[key] = try decoder.strings(e).joined(separator: ",")
        }
        func text(_ k: String) throws -> String? {
            guard let e = main.first(where: { $0.keyword == k }) else { return nil }
            return try decoder.strings(e).joined()
        }
        return DatasetSchema(
            dimensions: dimensions, label: try text("TITLE"), updated: try text("LAST-UPDATED"),
            source: try text("SOURCE"), metadata: metadata)
    }

    static func role(_ name: String, code: String?, isTimeval: Bool) -> DimensionRole {
        if isTimeval { return .time }
        func guess(_ n: String) -> DimensionRole {
            let l = n.lowercased()
            switch l {
            case "tid", "år", "aar", "year", "time", "vuosi": return .time
            case "statistikkvariabel", "contentscode", "contents", "tabellinnehåll", "tiedot": return .metric
            case "kommune", "fylke", "kommun", "kunta": return .geo
            default: return l.contains("region") || l.contains("alue") ? .geo : .other
            }
        }
        let r = guess(name)
        if r == .other, let code { return guess(code) }
        return r
    }
}

/// Decodes keyword texts in the file's encoding, naming the entry that is not valid.
struct PXText {
    let encoding: TextEncoding
    let file: String

    func decode(_ b: [UInt8], _ line: Int, _ what: String) throws -> String {
        guard let s = encoding.decode(b) else {
            throw ReadError(
                SourceLocation(file: file, line: line),
                "\(what) is not valid \(encoding.rawValue) text; check CODEPAGE or force the encoding")
        }
        return s
    }

    func strings(_ e: PXEntry) throws -> [String] {
        try e.items.map { try decode($0.bytes, e.line, e.keyword) }
    }

    func param(_ e: PXEntry, _ k: Int) throws -> String? {
        k < e.params.count ? try decode(e.params[k], e.line, "\(e.keyword)(…)") : nil
    }
}

/// `TIMEVAL("år")=TLIST(A1),"2019","2020"` or `TLIST(A1,"2019"-"2021")`, `TLIST(W1)`,
/// `TLIST(U1,"…")`: the time scale and, where the entry lists them, the periods (ranges expanded).
enum PXTimeval {
    static func read(_ e: PXEntry, decoder: PXText) throws -> (scale: String, values: [String]) {
        var scale = ""
        var values: [String] = []
        func expand(_ from: String, _ to: String) throws -> [String] {
            // Same prefix, numeric tails of the same width: "2019W01"-"2019W52", "1994"-"1996".
            let fd = from.reversed().prefix { $0.isASCIIDigit }.count, td = to.reversed().prefix { $0.isASCIIDigit }.count
            let fp = from.dropLast(fd), tp = to.dropLast(td)
            guard fd > 0, fd == td, fp == tp, let a = Int(from.suffix(fd)), let b = Int(to.suffix(td)), a <= b, b - a < 100_000 else {
                throw ReadError(
                    SourceLocation(file: decoder.file, line: e.line),
                    "TIMEVAL range \"\(from)\"-\"\(to)\" cannot be expanded; expected two periods differing in their last digits")
            }
            return (a...b).map { n in String(fp) + String(repeating: "0", count: max(0, fd - String(n).count)) + String(n) }
        }
        func quoted(_ t: String) -> [String] {
            // "a"-"b" or "a","b" inside a TLIST( … ).
            var out: [String] = []
            var cur = ""
            var inQ = false
            for ch in t {
                if ch == "\"" { if inQ { out.append(cur); cur = "" }; inQ.toggle(); continue }
                if inQ { cur.append(ch) } else if ch == "-" { out.append("-") }
            }
            return out
        }
        func addAll(_ parts: [String]) throws {
            var i = 0
            while i < parts.count {
                if i + 2 < parts.count, parts[i + 1] == "-" {
                    values += try expand(parts[i], parts[i + 2]); i += 3
                } else {
                    if parts[i] != "-" { values.append(parts[i]) }; i += 1
                }
            }
        }
        var rest: [String] = []
        for item in e.items {
            switch item {
            case .token(let b):
                let t = try decoder.decode(b, e.line, "TIMEVAL")
                if t.uppercased().hasPrefix("TLIST(") {
                    let inner = t.dropFirst(6).prefix { $0 != ")" }
                    scale = String(inner.prefix { $0 != "," }).trimmingCharacters(in: .whitespaces)
                    try addAll(quoted(String(t.dropFirst(6))))
                } else if t == "-" {
                    rest.append("-")
                } else if t.hasPrefix("-\"") || t.contains("\"-\"") || t.hasPrefix("\"") {
                    rest += quoted(t)
                }
            case .string(let b):
                rest.append(try decoder.decode(b, e.line, "TIMEVAL"))
            }
        }
        try addAll(rest)
        return (scale, values)
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
    let dotStatus: [String]
    /// Sparse data: key columns at the start of each line, then `valuesPerLine` values.
    let keyColumns: Int
    let keyLookup: [[String: Int]]
    let valuesPerLine: Int
    private var keyLines = 0

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
        dotStatus = header.dotStatus
        keyColumns = header.keyColumns
        keyLookup = header.keyLookup
        valuesPerLine = header.codes.dropFirst(header.keyColumns).map(\.count).reduce(1) {
            $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1
        }
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
                if b == 0x22 {
                    inQuote = false
                } else if b == 0x0A || b == 0x0D {
                    throw ReadError(
                        SourceLocation(file: file, line: tokenLine, column: tokenColumn),
                        "unterminated string in DATA: a quoted symbol has no closing \" on its line")
                } else {
                    token.append(b)
                }
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
                throw ReadError(
                    SourceLocation(file: file, line: tokenLine, column: tokenColumn),
                    "unterminated string at the end of the file; the file seems truncated")
            }
            try flush(&sink)
            throw ReadError(
                SourceLocation(file: file, line: line), "truncated file: DATA ends without ';' after \(seen) of \(expected) values")
        }
        if keyColumns > 0 {
            let group = keyColumns + valuesPerLine
            if seen % group != 0 {
                throw ReadError(
                    SourceLocation(file: file, line: endLine),
                    "the last data line has \(seen % group) of \(group) items; expected \(keyColumns) key\(keyColumns == 1 ? "" : "s") and \(valuesPerLine) values on each line of a KEYS table"
                )
            }
            return
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
        let location = SourceLocation(file: file, line: tokenLine, column: tokenColumn)
        if keyColumns > 0 {
            let position = (seen - 1) % (keyColumns + valuesPerLine)
            if position < keyColumns {
                let text = (encoding.decode(token) ?? String(decoding: token, as: UTF8.self)).trimmingCharacters(in: .whitespaces)
                guard let k = keyLookup[position][text] else {
                    throw ReadError(
                        location,
                        "key \"\(text)\" is not a category of \"\(schema.dimensions[position].id)\"; expected one of its VALUES or CODES as KEYS says"
                    )
                }
                index[position] = k
                if position == keyColumns - 1 { for d in keyColumns..<index.count { index[d] = 0 } }
                return
            }
        } else if seen > expected {
            if firstExcessLine == 0 { firstExcessLine = tokenLine }
            return
        }
        var value: Double? = nil
        var status: String? = nil
        var matched = false
        // Dots first: `"."` … `"......."` are DATASYMBOL1…6 and SUM, whatever their presentation text.
        if token.count <= 7, !token.isEmpty, token.allSatisfy({ $0 == 0x2E }) {
            status = dotStatus[token.count - 1]
            matched = true
        } else {
            for (bytes, s) in symbols where bytes == token {
                status = s
                value = s == "-" ? 0 : nil
                matched = true
                break
            }
        }
        var coords: [String] = []
        coords.reserveCapacity(codes.count)
        for d in 0..<codes.count { coords.append(codes[d][index[d]]) }
        advance()
        if !matched {
            do {
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
                    try sink.reject(
                        ReadError(
                            location,
                            "DATA value \(seen): expected a number (decimal point) or a symbol (. .. ... : -\(symbols.isEmpty ? "" : " or a DATASYMBOL")), found \"\(text)\""
                        ), raw: text)
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
        while d >= keyColumns {
            index[d] += 1
            if index[d] < counts[d] { return }
            index[d] = 0
            d -= 1
        }
    }
}
