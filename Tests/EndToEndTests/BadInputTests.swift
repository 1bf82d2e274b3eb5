import Foundation
import GRDB
import Ingest
import Pipeline
import Testing
import TestSupport
#if canImport(Glibc)
    import Glibc
#endif

// The bad-input table (docs/bad-input.md): every kind of bad input, what the tool does with it
// (an error that stops the run, a rejected row, or a value read exactly), with which message,
// location and exit status. File-level problems are checked as `etl inspect FILE` reads the
// file (`InspectTable`, in this process) and through a run in this process, which
// must fail with status 1 and leave the previous warehouse as it was; row-level problems
// through a run (status 3 with max_rejects 0, the row in etl_reject with its location; status
// 0 under a limit). Tests marked `.disabled("BUG: …")` pin the correct behaviour of something
// the tool gets wrong today.

// MARK: - A small pipeline around the bad file

/// The good rows every small pipeline starts from: SSB's v0 dataset dialect (`;`, quoted
/// dimension cells, UTF-8 here) with the three measures the small indicator catalogue needs.
private let goodHeader = #""region";"år";"statistikkvariabel";"06913: Befolkning og plasser""#
private let goodRows = [
    #""0301 Oslo";"2019";"Befolkning per 1.1. (personer)";681071"#,
    #""0301 Oslo";"2019";"Korttidsplasser i institusjon (antall)";120"#,
    #""0301 Oslo";"2019";"Plasser i institusjon (antall)";4000"#,
    #""3118 Indre Østfold";"2024";"Befolkning per 1.1. (personer)";46000"#,
    #""3118 Indre Østfold";"2024";"Korttidsplasser i institusjon (antall)";30"#,
    #""3118 Indre Østfold";"2024";"Plasser i institusjon (antall)";300"#
]
/// Line number of the first line appended after the good rows.
private let firstBadLine = goodRows.count + 2

private func csvText(_ extra: [String] = [], header: String = goodHeader, rows: [String] = goodRows) -> String {
    ([header] + rows + extra).joined(separator: "\n") + "\n"
}

/// A scratch folder with the change catalogue and a generated pipeline `pipelines/bad.yml`
/// (files under `pipelines/bad/`), warehouse `warehouse/bad.sqlite`.
struct SmallPipeline {
    struct Source {
        var id: String
        var file: String
        /// Extra YAML lines for the source (`format: husbanken`, `encoding: utf-8`, …), indented by the caller's 4 spaces.
        var extra: [String] = []
    }

    let scratch: TemporaryDirectory
    var dir: URL { scratch.url }
    var folder: URL { dir.appendingPathComponent("pipelines/bad") }
    var warehouse: URL { dir.appendingPathComponent("warehouse/bad.sqlite") }
    let pipelinePath = "pipelines/bad.yml"

    init() throws {
        scratch = try TemporaryDirectory("etl-bad")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pipelines/bad"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: packageRoot.appendingPathComponent("pipelines/kommuneendringer.csv"),
            to: dir.appendingPathComponent("pipelines/kommuneendringer.csv"))
        try FileManager.default.copyItem(
            at: packageRoot.appendingPathComponent("pipelines/register"),
            to: dir.appendingPathComponent("pipelines/register"))
        try Data(
            """
            indicators:
              - code: befolkning
                name: Befolkning
                unit: personer
                kind: count
                measure: befolkning
                decimals: 0
                definition: Population on 1 January.
              - code: andel_korttid
                name: Andel korttidsplasser
                unit: prosent
                kind: ratio
                numerator: korttid
                denominator: plasser
                scale: 100
                definition: Short-term places as a share of all institution places.

            """.utf8
        ).write(to: dir.appendingPathComponent("pipelines/bad-indicators.yml"))
    }

    func remove() { scratch.remove() }

    /// Writes a file under `pipelines/bad/`.
    func write(_ bytes: [UInt8], _ name: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ text: String, _ name: String) throws { try write(Array(text.utf8), name) }

    /// Writes `pipelines/bad.yml`: the sources given, the three measures from `measureSource`
    /// (or none), and `extraYAML` at the end.
    func definePipeline(
        _ sources: [Source], measureSource: String? = "data", maxRejects: Int = 0, indicators: String = "bad-indicators.yml",
        extraYAML: String = ""
    ) throws {
        var p = PipelineBuilder(name: "bad", warehouse: "../warehouse/bad.sqlite", indicators: indicators)
        p.maxRejects = maxRejects
        p.sources = sources.map {
            PipelineBuilder.Source(id: $0.id, path: $0.file.hasPrefix("/") ? $0.file : "bad/\($0.file)", keys: $0.extra)
        }
        if let m = measureSource {
            p.measures = [
                .init("befolkning", ["source: \(m)", "contents: \"Befolkning per 1.1. (personer)\""]),
                .init("korttid", ["source: \(m)", "contents: \"Korttidsplasser i institusjon (antall)\""]),
                .init("plasser", ["source: \(m)", "contents: \"Plasser i institusjon (antall)\""])
            ]
        }
        p.extra = extraYAML
        try p.write(to: dir.appendingPathComponent(pipelinePath))
    }

    /// A path in the scratch folder as an in-process run names it (absolute: the run resolves the
    /// pipeline against the scratch folder, where `etl` resolves it against its working directory).
    func local(_ relative: String) -> String { dir.appendingPathComponent(relative).path }

    /// Runs `pipelines/bad.yml` in this process, as `etl run pipelines/bad.yml` would.
    func run(structureYear: Int? = nil, fullRefresh: Bool = false, maxRejects: Int? = nil) -> InProcessRun {
        runInProcess(pipelinePath, in: dir, structureYear: structureYear, fullRefresh: fullRefresh, maxRejects: maxRejects)
    }

    /// Runs `etl run pipelines/bad.yml` with further arguments through the binary, for the
    /// command-line contract (what it prints, its exit status).
    func runCommand(_ args: [String] = []) throws -> ProcessResult {
        try etl(["run", pipelinePath] + args, in: dir)
    }

    /// Reads `pipelines/bad/FILE` as `etl inspect pipelines/bad/FILE [--encoding ENCODING]`
    /// would, in this process.
    func inspect(_ file: String, encoding: String? = nil) -> InspectedFile {
        var options = ReaderOptions(displayName: "pipelines/bad/\(file)")
        options.encoding = encoding.flatMap(TextEncoding.init(name:))
        return inspectInProcess(dir.appendingPathComponent("pipelines/bad/\(file)"), options: options)
    }

    /// `etl inspect pipelines/bad/FILE` with further arguments through the binary, for the
    /// command-line contract.
    func inspectCommand(_ file: String, _ args: [String] = []) throws -> ProcessResult {
        try etl(["inspect", "pipelines/bad/\(file)"] + args, in: dir)
    }

    struct Reject: Equatable, CustomStringConvertible {
        var location: String
        var error: String
        var raw: String
        var description: String { "\(location) | \(error) | \(raw)" }
    }

    func rejects(runId: Int? = nil) throws -> [Reject] {
        try openWarehouse(warehouse).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT location, error, ifnull(raw, '') AS raw FROM etl_reject WHERE run_id = ifnull(?, (SELECT max(run_id) FROM etl_reject)) ORDER BY reject_id",
                arguments: [runId]
            ).map { Reject(location: $0["location"], error: $0["error"], raw: $0["raw"]) }
        }
    }

    func staged(_ source: String = "data") throws -> [String] {
        try openWarehouse(warehouse).read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT region || '|' || period || '|' || measure || '|' || ifnull(value, 'null') || '|' || ifnull(status, '') || '|' || in_validity
                    FROM v_staged WHERE source = ? ORDER BY 1
                    """, arguments: [source])
        }
    }

    func facts(_ indicator: String) throws -> [String] {
        try openWarehouse(warehouse).read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT region || '|' || year || '|' || ifnull(value, 'null') || '|' || ifnull(status, '') || '|' || method
                    FROM v_indicator WHERE indicator = ? ORDER BY 1
                    """, arguments: [indicator])
        }
    }

    func warnings() throws -> [String] {
        try openWarehouse(warehouse).read {
            try String.fetchAll($0, sql: "SELECT message FROM etl_warning WHERE run_id = (SELECT max(run_id) FROM etl_run)")
        }
    }
}

// MARK: - Hostile files made in the test

/// The bytes of Windows-1252 text (every character here is in the code page).
private func cp1252(_ text: String) -> [UInt8] {
    text.unicodeScalars.map { s -> UInt8 in
        switch s.value {
        case 0..<0x80, 0xA0...0xFF: return UInt8(s.value)
        case 0x20AC: return 0x80
        default: return 0x3F
        }
    }
}

/// A minimal ZIP writer, so the hostile-workbook cases need no ZIP library: stored entries
/// with their CRC-32, and a deflate "zip bomb" of zeros written by hand.
enum MiniZip {
    struct Entry {
        var name: String
        var method: UInt16
        var data: [UInt8]
        var crc: UInt32
        /// The uncompressed size the headers declare (a liar may declare less than the truth).
        var declaredSize: UInt32
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8], previous: UInt32 = 0) -> UInt32 {
        var c = ~previous
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    static func stored(_ name: String, _ text: String) -> Entry {
        let d = Array(text.utf8)
        return Entry(name: name, method: 0, data: d, crc: crc32(d), declaredSize: UInt32(d.count))
    }

    /// One deflate block (dynamic Huffman) that inflates to `1 + 258 * matches` zero bytes:
    /// a literal 0, then matches of length 258 at distance 1 coded in 2 bits each (about 1000:1).
    static func zeroBomb(_ name: String, matches: Int, declaredSize: UInt32? = nil) -> Entry {
        var out: [UInt8] = []
        var acc: UInt32 = 0, n = 0
        func bits(_ v: UInt32, _ count: Int) {
            for i in 0..<count {
                if (v >> UInt32(i)) & 1 == 1 { acc |= 1 << UInt32(n) }
                n += 1
                if n == 8 { out.append(UInt8(acc)); acc = 0; n = 0 }
            }
        }
        func code(_ c: UInt32, _ length: Int) { // Huffman codes go most significant bit first
            for i in stride(from: length - 1, through: 0, by: -1) { bits((c >> UInt32(i)) & 1, 1) }
        }
        bits(1, 1); bits(2, 2) // final block, dynamic Huffman
        bits(29, 5); bits(1, 5); bits(14, 4) // 286 literal/length codes, 2 distance codes, 18 code-length codes
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
        let clLengths: [Int: UInt32] = [18: 1, 1: 2, 2: 2] // codes: 18 → 0, 1 → 10, 2 → 11
        for s in order { bits(clLengths[s] ?? 0, 3) }
        code(3, 2) // literal 0: length 2
        code(0, 1); bits(127, 7) // 138 zeros (literals 1…138)
        code(0, 1); bits(106, 7) // 117 zeros (139…255)
        code(3, 2) // 256 (end of block): length 2
        code(0, 1); bits(17, 7) // 28 zeros (257…284)
        code(2, 2) // 285 (length 258): length 1
        code(2, 2); code(2, 2) // distance codes 0 and 1: length 1
        // Literal/length codes: 285 → 0, literal 0 → 10, end of block → 11; distance 0 → 0.
        code(2, 2)
        for _ in 0..<matches { code(0, 1); code(0, 1) }
        code(3, 2)
        if n > 0 { out.append(UInt8(acc)) }
        let size = 1 + 258 * matches
        var crc: UInt32 = 0
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        var left = size
        while left > 0 { let k = min(left, zeros.count); crc = crc32(Array(zeros[0..<k]), previous: crc); left -= k }
        return Entry(name: name, method: 8, data: out, crc: crc, declaredSize: declaredSize ?? UInt32(size))
    }

    static func archive(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: UInt16, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32, _ b: inout [UInt8]) { for k in 0..<4 { b.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }
        for e in entries {
            let offset = UInt32(out.count)
            let name = Array(e.name.utf8)
            u32(0x0403_4B50, &out); u16(20, &out); u16(0x0800, &out); u16(e.method, &out); u16(0, &out); u16(0x21, &out)
            u32(e.crc, &out); u32(UInt32(e.data.count), &out); u32(e.declaredSize, &out)
            u16(UInt16(name.count), &out); u16(0, &out); out += name; out += e.data
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0x0800, &central); u16(e.method, &central)
            u16(0, &central); u16(0x21, &central); u32(e.crc, &central); u32(UInt32(e.data.count), &central); u32(e.declaredSize, &central)
            u16(UInt16(name.count), &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(offset, &central); central += name
        }
        let cdOffset = UInt32(out.count)
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(UInt16(entries.count), &out); u16(UInt16(entries.count), &out)
        u32(UInt32(central.count), &out); u32(cdOffset, &out); u16(0, &out)
        return out
    }

    /// A one-sheet workbook (inline strings) with the Husbanken columns, plus `extra` entries.
    static func workbook(rows: [[String]], sheet: Entry? = nil, extra: [Entry] = []) -> [UInt8] {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        var xml =
            #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (r, row) in rows.enumerated() {
            xml += "<row r=\"\(r + 1)\">"
            for (c, v) in row.enumerated() {
                let ref = "\(Character(Unicode.Scalar(UInt8(65 + c))))\(r + 1)"
                xml +=
                    Double(v) != nil ? "<c r=\"\(ref)\"><v>\(v)</v></c>" : "<c r=\"\(ref)\" t=\"inlineStr\"><is><t>\(esc(v))</t></is></c>"
            }
            xml += "</row>"
        }
        xml += "</sheetData></worksheet>"
        return archive(
            [
                stored(
                    "[Content_Types].xml",
                    #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#
                ),
                stored(
                    "xl/workbook.xml",
                    #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Tilsagn" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                ),
                stored(
                    "xl/_rels/workbook.xml.rels",
                    #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
                ),
                sheet ?? stored("xl/worksheets/sheet1.xml", xml)
            ] + extra)
    }
}

private let husbankenMapping = [
    "format: husbanken",
    "mapping:",
    "  municipality: Kommune",
    "  year: År",
    "  kind: Type",
    "  stage: Status",
    "  places: Antall plasser"
]
private let husbankenHeader = ["Kommune", "År", "Type", "Status", "Antall plasser"]
private let husbankenRows = [["3118", "2021", "Sykehjem", "Tilsagn", "12"], ["0301", "2022", "Omsorgsbolig", "Utbetalt", "40"]]

/// A small JSON-stat 2.0 dataset (two regions, two years).
private func jsonStat(size: String = "[1, 2, 2]", regionIndex: String = #"["0301", "3118"]"#, value: String = "[1, 2, 3, 4]") -> String {
    """
    {"version": "2.0", "class": "dataset", "label": "Befolkning",
     "id": ["ContentsCode", "Region", "Tid"], "size": \(size),
     "role": {"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
     "dimension": {
       "ContentsCode": {"category": {"index": ["Personer1"]}},
       "Region": {"category": {"index": \(regionIndex)}},
       "Tid": {"category": {"index": ["2023", "2024"]}}},
     "value": \(value)}

    """
}

/// A small SDMX-ML 2.0 generic data message with a DOCTYPE line of the caller's choice.
private func sdmx(doctype: String = "", region: String = "0301") -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    \(doctype)
    <GenericData><DataSet><Series><SeriesKey><Value concept="Region" value="\(region)"/><Value concept="ContentsCode" value="Personer1"/></SeriesKey>
    <Obs><Time>2024</Time><ObsValue value="1"/></Obs></Series></DataSet></GenericData>

    """
}

private let billionLaughs: String = {
    var s = "<?xml version=\"1.0\"?>\n<!DOCTYPE GenericData [\n <!ENTITY lol \"lol\">\n"
    var previous = "lol"
    for i in 1...9 {
        s += " <!ENTITY lol\(i) \"\(String(repeating: "&\(previous);", count: 10))\">\n"
        previous = "lol\(i)"
    }
    return s + "]>\n" + sdmx(region: "&lol9;").split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\n")
}()

private func px(data: String) -> [UInt8] {
    cp1252(
        """
        CHARSET="ANSI";
        MATRIX="T1";
        STUB="region";
        HEADING="år";
        VALUES("region")="0301 Oslo","3118 Indre Østfold";
        VALUES("år")="2023","2024";
        DATA=
        \(data)

        """)
}

// MARK: - File-level problems: the whole file is refused, nothing is published

struct FileCase: Sendable, CustomTestStringConvertible {
    var kind: String
    var file: String
    var bytes: [UInt8]
    /// YAML lines for the source in the pipeline.
    var source: [String] = []
    /// The `--encoding` `etl inspect` is given (`[]` none, `["utf-8"]`); nil where inspect
    /// cannot read the format (Husbanken needs a mapping).
    var inspect: [String]? = []
    /// What follows the file name in the message, before `: error: ` (`:1`, `:146:5`, `:1:186 value`).
    var location: String
    var message: String
    var testDescription: String { kind }
}

private let fileCases: [FileCase] = [
    FileCase(
        kind: "empty file", file: "empty.csv", bytes: [], location: ":1",
        message: "the file is empty; expected a header line and data rows"),
    FileCase(
        kind: "header-only file", file: "header.csv", bytes: Array((goodHeader + "\r\n").utf8), location: ":1",
        message: "the file has a header but no data rows"),
    FileCase(
        kind: "binary file (a PNG named .csv)", file: "image.csv",
        bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52],
        location: ":3", message: "binary data (a NUL byte); expected a text file"),
    FileCase(
        kind: "wrong encoding (Windows-1252 header read as forced UTF-8)", file: "latin.csv", bytes: cp1252(csvText()),
        source: ["encoding: utf-8"], inspect: ["utf-8"], location: ":1:2",
        message: "header field 2 is not valid utf-8 text; force the encoding with --encoding"),
    FileCase(
        kind: "truncated CSV (the file ends inside a quoted field)", file: "cut.csv",
        bytes: Array((csvText() + #""0301 Oslo";"2020";"Befolkning per 1.1. (pers"#).utf8),
        location: ":\(firstBadLine)",
        message: "the file ends inside a quoted field that starts on this line; expected a closing quote (is the file truncated?)"),
    FileCase(
        kind: "text without any delimiter", file: "note.csv", bytes: Array("Tabellen er flyttet.\nSe ssb.no/statbank\n".utf8),
        location: ":1",
        message: "no delimiter found: expected fields separated by ';', ',' or tab, found \"Tabellen er flyttet.\""),
    FileCase(
        kind: "duplicate column names in the header", file: "dupcol.csv",
        bytes: Array("\"region\";\"region\";\"verdi\"\n\"0301\";\"0301\";1\n".utf8), location: ":1:2",
        message: "duplicate column name \"region\" in the header"),
    FileCase(
        kind: "a folder where a file should be", file: "folder.csv", bytes: [], location: "",
        message: "is a directory; expected a data file"),
    FileCase(
        kind: "truncated JSON-stat", file: "cut.json", bytes: Array(jsonStat().utf8.prefix(150)), location: ":3:28",
        message: "PARSE_ERROR: unexpected end of file in an object that starts at byte 132; the file looks truncated (byte 150)"),
    FileCase(
        kind: "JSON-stat with size and value disagreeing", file: "mismatch.json", bytes: Array(jsonStat(value: "[1, 2, 3]").utf8),
        location: ":8:11 value", message: "VALUE_LEN_MISMATCH: dense value has 3 cells, expected 4 = product of size [1, 2, 2]"),
    FileCase(
        kind: "JSON-stat with an absurd size (10^22 cells)", file: "absurd.json",
        bytes: Array(jsonStat(size: "[1, 100000000000, 100000000000]", value: "[]").utf8), location: ":2:55 size[1]",
        message: "CUBE_SIZE_OVERFLOW: size[1] (dimension Region) is 100000000000, more than the limit of 50000000 cells"),
    FileCase(
        kind: "JSON-stat category index out of range", file: "index.json",
        bytes: Array(jsonStat(regionIndex: #"{"0301": 0, "3118": 7}"#).utf8), location: ":6:37 dimension.Region.category.index",
        message: "INDEX_POSITIONS_INVALID: category \"3118\" has position 7, outside [0, 1] for size 2"),
    FileCase(
        kind: "an API error response saved as JSON", file: "error.json",
        bytes: Array(#"{"error": "Too many requests", "status": 429}"#.utf8), location: ":1:1",
        message: "STRUCTURAL_VIOLATION: not a JSON-stat document"),
    FileCase(
        kind: "XML with an external entity (XXE)", file: "xxe.xml",
        bytes: Array(sdmx(doctype: #"<!DOCTYPE GenericData [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#, region: "&xxe;").utf8),
        location: ":2",
        message: "a DOCTYPE declaration (<!DOCTYPE GenericData …>) is not allowed"),
    FileCase(
        kind: "XML entity expansion (billion laughs)", file: "laughs.xml", bytes: Array(billionLaughs.utf8), location: ":2",
        message: "a DOCTYPE declaration (<!DOCTYPE GenericData …>) is not allowed"),
    FileCase(
        kind: "malformed XML", file: "broken.xml",
        bytes: Array(
            "<?xml version=\"1.0\"?>\n<GenericData><DataSet>\n<Series><SeriesKey><Value concept=\"Region\" value=\"0301\"/></SeriesKey>\n<Obs><Time>2020</Time><ObsValue value=\"1\"/></Series></DataSet></GenericData>\n"
                .utf8),
        location: ":4:53", message: "malformed XML: Opening and ending tag mismatch: Obs line 4 and Series"),
    FileCase(
        kind: "unknown SDMX structure (a structure message, not data)", file: "structure.xml",
        bytes: Array(
            "<?xml version=\"1.0\"?>\n<message:Structure xmlns:message=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\"><message:Header><message:ID>DSD</message:ID></message:Header></message:Structure>\n"
                .utf8),
        location: ":2", message: "unknown SDMX structure: expected GenericData with DataSet/Series, found root <Structure>"),
    FileCase(
        kind: "an HTML error page saved as .xml", file: "page.xml",
        bytes: Array("<?xml version=\"1.0\"?>\n<html><body><p>503 Service Unavailable</p></body></html>\n".utf8),
        location: ":2", message: "unknown SDMX structure: expected GenericData with DataSet/Series, found root <html>"),
    FileCase(
        kind: "PX with fewer DATA values than VALUES promise", file: "short.px", bytes: px(data: "1 2\n3;"), location: ":9",
        message: "DATA has 3 values, expected 4 (2 × 2 from VALUES)"),
    FileCase(
        kind: "PX with more DATA values than VALUES promise", file: "long.px", bytes: px(data: "1 2\n3 4 5;"), location: ":9",
        message: "DATA has 5 values, expected 4 (2 × 2 from VALUES)"),
    FileCase(
        kind: "PX without DATA (truncated)", file: "nodata.px",
        bytes: cp1252(
            "CHARSET=\"ANSI\";\nMATRIX=\"T1\";\nSTUB=\"region\";\nHEADING=\"år\";\nVALUES(\"region\")=\"0301 Oslo\";\nVALUES(\"år\")=\"2023\";\n"
        ),
        location: ":7", message: "truncated file: no DATA= section"),
    FileCase(
        kind: "Husbanken export missing a mapped column", file: "tilskudd.csv",
        bytes: cp1252("Kommune;År;Type;Status;Plasser\r\n3118;2021;Sykehjem;Tilsagn;12\r\n"), source: husbankenMapping, inspect: nil,
        location: ":1",
        message:
            "mapped column \"Antall plasser\" (places) not in the header; the header (line 1) has columns \"Kommune\", \"År\", \"Type\", \"Status\", \"Plasser\""
    ),
    FileCase(
        kind: "xlsx zip bomb (honest headers, about 1000:1)", file: "bomb.xlsx",
        bytes: MiniZip.workbook(
            rows: [husbankenHeader] + husbankenRows, sheet: MiniZip.zeroBomb("xl/worksheets/sheet1.xml", matches: 65_000)),
        source: husbankenMapping, inspect: nil, location: ":xl/worksheets/sheet1.xml",
        message: "the entry declares a compression ratio of 1031:1 (16770001 bytes from 16264); more than 200:1 is refused as a zip bomb"),
    FileCase(
        kind: "xlsx zip bomb whose header understates its size", file: "liar.xlsx",
        bytes: MiniZip.workbook(
            rows: [husbankenHeader] + husbankenRows,
            sheet: MiniZip.zeroBomb("xl/worksheets/sheet1.xml", matches: 65_000, declaredSize: 1000)),
        source: husbankenMapping, inspect: nil, location: ":xl/worksheets/sheet1.xml",
        message:
            "the entry inflates to more than the 1000 bytes its header declares; the archive is damaged or crafted (zip bomb); refusing"),
    FileCase(
        kind: "xlsx with an entry path escaping the archive", file: "escape.xlsx",
        bytes: MiniZip.workbook(rows: [husbankenHeader] + husbankenRows, extra: [MiniZip.stored("../../evil.sh", "echo owned\n")]),
        source: husbankenMapping, inspect: nil, location: ":../../evil.sh", message: "entry path \"../../evil.sh\""),
    FileCase(
        kind: "xlsx with an absolute entry path", file: "absolute.xlsx",
        bytes: MiniZip.workbook(
            rows: [husbankenHeader] + husbankenRows, extra: [MiniZip.stored("/etc/cron.d/evil", "* * * * * root true\n")]),
        source: husbankenMapping, inspect: nil, location: ":/etc/cron.d/evil", message: "entry path \"/etc/cron.d/evil\""),
    FileCase(
        kind: "a text file named .xlsx", file: "fake.xlsx", bytes: cp1252("Kommune;År\r\n"), source: husbankenMapping, inspect: nil,
        location: "", message: "not an .xlsx workbook: expected a ZIP archive"),
    FileCase(
        kind: "an old Excel .xls (OLE) file", file: "old.xlsx",
        bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504),
        source: husbankenMapping, inspect: nil, location: "", message: "an old Excel .xls file")
]

// Behaviour (in process): runs, what `etl inspect` reads (`InspectTable`) and `etl validate`'s checks (`PipelineCheck`), all in this process.
@Suite struct BadInputTests {
    /// Inspect and run both refuse the file with its location; the run exits 1 and the
    /// warehouse keeps the previous complete state; the run is recorded as failed.
    @Test(arguments: fileCases)
    func fileLevelBadInputIsRefusedWithItsLocation(_ c: FileCase) throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText(), "good.csv")
        try p.definePipeline([.init(id: "data", file: "good.csv")])
        let first = p.run()
        #expect(first.status == 0, "\(first.diagnosis)")
        let before = try contentDump(p.warehouse)

        if c.kind.hasPrefix("a folder") {
            try FileManager.default.createDirectory(at: p.folder.appendingPathComponent(c.file), withIntermediateDirectories: true)
        } else {
            try p.write(c.bytes, c.file)
        }
        let path = "pipelines/bad/\(c.file)"
        let prefix = "\(path)\(c.location): error: "
        /// The error line names the file and place, then says what is wrong.
        func reported(_ stderr: String) -> Bool {
            stderr.split(separator: "\n").contains { $0.contains(prefix) && $0.contains(c.message) }
        }
        if let encoding = c.inspect {
            let t0 = Date()
            let r = p.inspect(c.file, encoding: encoding.first)
            #expect(r.status == 1, "inspect: \(r.message)")
            #expect(reported(r.message), "inspect said: \(r.message)")
            #expect(Date().timeIntervalSince(t0) < 10)
        }
        try p.definePipeline([.init(id: "data", file: "good.csv"), .init(id: "bad", file: c.file, extra: c.source)])
        let t0 = Date()
        let r = p.run()
        #expect(Date().timeIntervalSince(t0) < 20, "a hostile file must be refused quickly")
        #expect(r.status == 1, "run: \(r.diagnosis)")
        #expect(reported(r.message), "run said: \(r.diagnosis)")
        let said = r.message.split(separator: "\n").first { $0.contains(": error: ") } ?? ""
        print("bad input: \(c.kind): the run fails with status \(r.status): \(said)")
        // Nothing published: the warehouse is as before and the run is recorded as failed (what
        // `etl run` prints about it is checked in SampleRunTests' command-line suite).
        #expect(r.summary == nil)
        #expect(!r.message.contains("root:x:0:0"))
        #expect(try contentDump(p.warehouse) == before)
        // A file that cannot even be hashed (a folder) fails before the warehouse is opened.
        let runs = try openWarehouse(p.warehouse).read { try String.fetchAll($0, sql: "SELECT status FROM etl_run ORDER BY run_id") }
        #expect(runs == ["success", "failed"])
    }
}

// MARK: - Row-level problems: the row is rejected with its place, the rest is published

struct RowCase: Sendable, CustomTestStringConvertible {
    var kind: String
    var lines: [String]
    /// The file's text, when not the good rows plus `lines` (UTF-8 unless `bytes` is set).
    var text: String? = nil
    var bytes: [UInt8]? = nil
    var file = "data.csv"
    var source: [String] = []
    /// Per rejected row: what follows the file name in the location, and the error.
    var rejects: [(location: String, error: String)]
    var testDescription: String { kind }
}

private let rowCases: [RowCase] = [
    RowCase(
        kind: "ragged row (a field too many)", lines: [#""0301 Oslo";"2018";"Befolkning per 1.1. (personer)";1;2"#],
        rejects: [(":\(firstBadLine)", "expected 4 fields as in the header, found 5")]),
    RowCase(
        kind: "ragged row (a field missing)", lines: [#""0301 Oslo";"2018";1"#],
        rejects: [(":\(firstBadLine)", "expected 4 fields as in the header, found 3")]),
    RowCase(
        kind: "unknown region code", lines: [#""XYZ Atlantis";"2019";"Befolkning per 1.1. (personer)";12"#],
        rejects: [
            (
                ":\(firstBadLine):1",
                "unknown region code \"XYZ\": expected a 4-digit kommune number, K-nnnn, a 2-digit fylke, EAK, EKAnn or EKGnn"
            )
        ]),
    // A name alone is looked up in the register for the row's year: "Oslo" in 2019 is 0301, here a
    // repeat of the good rows' 0301 2019 cell; a name no municipality had is refused.
    RowCase(
        kind: "region name without its code", lines: [#""Oslo";"2019";"Befolkning per 1.1. (personer)";12"#],
        rejects: [(":\(firstBadLine):4", "duplicate cell: 0301 2019 Befolkning per 1.1. (personer) appears earlier in the file")]),
    RowCase(
        kind: "region name no municipality had", lines: [#""Oslo by";"2019";"Befolkning per 1.1. (personer)";12"#],
        rejects: [(":\(firstBadLine):1", "unknown municipality name \"Oslo by\" in 2019")]),
    RowCase(
        kind: "empty region cell", lines: [#""";"2019";"Befolkning per 1.1. (personer)";12"#],
        rejects: [(":\(firstBadLine):1", "field 1 (region) is empty; expected a category")]),
    RowCase(
        kind: "a symbol in the region column", lines: [#"":";"2019";"Befolkning per 1.1. (personer)";12"#],
        rejects: [(":\(firstBadLine):1", "unknown region code \":\"")]),
    RowCase(
        kind: "a symbol in the year column", lines: [#""0301 Oslo";"..";"Befolkning per 1.1. (personer)";12"#],
        rejects: [(":\(firstBadLine):2", "period \"..\" is not a year (expected YYYY)")]),
    RowCase(
        kind: "a year in the future", lines: [#""0301 Oslo";"2099";"Befolkning per 1.1. (personer)";700000"#],
        rejects: [(":\(firstBadLine):2", "year 2099 is in the future")]),
    RowCase(
        kind: "duplicate cell", lines: [#""0301 Oslo";"2019";"Befolkning per 1.1. (personer)";681072"#],
        rejects: [(":\(firstBadLine):4", "duplicate cell: 0301 2019 Befolkning per 1.1. (personer) appears earlier in the file")]),
    RowCase(
        kind: "text in a number column", lines: [#""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";mange"#],
        rejects: [
            (
                ":\(firstBadLine):4",
                "field 4 (06913: Befolkning og plasser): expected a number (decimal comma) or one of the symbols . .. ... : - *, found \"mange\""
            )
        ]),
    RowCase(
        kind: "an unknown symbol in a number column", lines: [#""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";x"#],
        rejects: [(":\(firstBadLine):4", "expected a number (decimal comma) or one of the symbols . .. ... : - *, found \"x\"")]),
    RowCase(
        kind: "a number too large for a double (1e999)", lines: [#""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";1e999"#],
        rejects: [(":\(firstBadLine):4", "value is not a finite number")]),
    RowCase(
        kind: "a point as thousands separator where the decimal is a comma",
        lines: [#""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";693.494"#],
        source: ["decimal: comma"],
        rejects: [(":\(firstBadLine):4", "expected a number (decimal comma) or one of the symbols . .. ... : - *, found \"693.494\"")]),
    RowCase(
        kind: "wrong encoding (a Windows-1252 row in a file forced to UTF-8)", lines: [],
        bytes: Array(csvText().utf8) + cp1252(#""3014 Indre Østfold";"2021";"Befolkning per 1.1. (personer)";45000"# + "\n"),
        source: ["encoding: utf-8"],
        rejects: [
            (
                ":\(firstBadLine):1",
                "field 1 is not valid utf-8 text; declare the file's encoding (`encoding:` in the pipeline, --encoding for inspect)"
            )
        ]),
    RowCase(
        kind: "decimal comma in a comma-delimited file (quoted)", lines: [],
        text: csvText(
            [#""0301 Oslo","2020","Befolkning per 1.1. (personer)","693494,5""#],
            header: goodHeader.replacingOccurrences(of: ";", with: ","), rows: goodRows.map { $0.replacingOccurrences(of: ";", with: ",") }),
        rejects: [(":\(firstBadLine):4", "expected a number (decimal point) or one of the symbols . .. ... : - *, found \"693494,5\"")]),
    RowCase(
        kind: "decimal comma in a comma-delimited file (unquoted)", lines: [],
        text: csvText(
            [#""0301 Oslo","2020","Befolkning per 1.1. (personer)",693494,5"#],
            header: goodHeader.replacingOccurrences(of: ";", with: ","), rows: goodRows.map { $0.replacingOccurrences(of: ";", with: ",") }),
        rejects: [(":\(firstBadLine)", "expected 4 fields as in the header, found 5")]),
    RowCase(
        kind: "Husbanken unknown municipality name", lines: [],
        bytes: cp1252(
            "Kommunenavn;År;Type;Status;Antall plasser\r\nIndre Østfold;2021;Sykehjem;Tilsagn;12\r\nAtlantis;2021;Sykehjem;Tilsagn;3\r\n"),
        file: "navn.csv",
        source: [
            "format: husbanken", "mapping:", "  municipality_name: Kommunenavn", "  year: År", "  kind: Type", "  stage: Status",
            "  places: Antall plasser"
        ],
        rejects: [(":3:1", "Atlantis")]),
    RowCase(
        kind: "Husbanken unknown kind of place", lines: [],
        bytes: cp1252("Kommune;År;Type;Status;Antall plasser\r\n3118;2021;Sykehjem;Tilsagn;12\r\n3118;2021;Barnehage;Tilsagn;3\r\n"),
        file: "art.csv", source: husbankenMapping,
        rejects: [(":3:3", "Barnehage")])
]

extension BadInputTests {
    /// With max_rejects 0 the run publishes the good rows and exits 3, and etl_reject holds the
    /// row with its location and reason; under a limit the same input exits 0.
    @Test(arguments: rowCases)
    func rowLevelBadInputIsRejectedWithItsLocation(_ c: RowCase) throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        let bytes = c.bytes ?? Array((c.text ?? csvText(c.lines)).utf8)
        try p.write(bytes, c.file)
        let isHusbanken = c.source.contains("format: husbanken")
        if isHusbanken {
            try p.write(csvText(), "good.csv")
            try p.definePipeline([.init(id: "data", file: "good.csv"), .init(id: "grants", file: c.file, extra: c.source)])
        } else {
            try p.definePipeline([.init(id: "data", file: c.file, extra: c.source)])
        }
        let r = p.run()
        #expect(r.status == 3, "\(r.diagnosis)")
        #expect(r.summary?.rejected == c.rejects.count && r.summary?.runId == 1, "\(r.diagnosis)")
        let rejects = try p.rejects()
        #expect(rejects.count == c.rejects.count, "\(rejects)")
        for x in rejects { print("bad input: \(c.kind): the run ends with status \(r.status); etl_reject: \(x)") }
        for (got, want) in zip(rejects, c.rejects) {
            #expect(got.location == p.local("pipelines/bad/\(c.file)\(want.location)"), "\(got)")
            #expect(got.error.contains(want.error), "\(got)")
            // etl_reject.raw is the bad line exactly as in the file (quotes and delimiters kept),
            // a duplicate's too (found where rows are written, its line is read back from the file).
            if c.bytes == nil && c.text == nil && !isHusbanken, let line = c.lines.last {
                #expect(got.raw == line, "\(got)")
            }
        }
        if !isHusbanken {
            // Every good row is published whatever the bad one did.
            let staged = try p.staged()
            #expect(staged.count == goodRows.count, "\(staged)")
            #expect(try p.facts("befolkning") == ["0301|2019|681071.0||as_published", "3118|2024|46000.0||as_published"])
        }
        let under = p.run(fullRefresh: true, maxRejects: 10)
        #expect(under.status == 0, "\(under.diagnosis)")
        #expect(try p.rejects().count == c.rejects.count)
    }
}

// MARK: - Variants that are not errors: read exactly

extension BadInputTests {
    @Test func bomCRLFAndTrailingBlankLinesAreAccepted() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        let text = ([goodHeader] + goodRows).joined(separator: "\r\n") + "\r\n\r\n\r\n"
        try p.write([0xEF, 0xBB, 0xBF] + Array(text.utf8), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(r.staging["data"]?.staged == 6 && r.staging["data"]?.rejected == 0, "\(r.events)")
        #expect(r.dialects["data"]?.contains("encoding=utf-8 (BOM)") == true, "\(r.dialects)")
        #expect(try p.facts("befolkning") == ["0301|2019|681071.0||as_published", "3118|2024|46000.0||as_published"])
        let i = p.inspect("data.csv")
        #expect(i.status == 0)
        #expect(i.text.hasPrefix("region\tår\tstatistikkvariabel\tvalue\tstatus\n"), "the BOM must not reach the first column's name")
    }

    @Test func thousandsSeparatorsAreRead() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        // Windows-1252 as hand exports are: a space, a no-break space (0xA0), and SSB's symbols.
        let text = csvText([
            #""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";693 494"#,
            "\"0301 Oslo\";\"2021\";\"Befolkning per 1.1. (personer)\";\"697\u{A0}010\"",
            #""0301 Oslo";"2022";"Befolkning per 1.1. (personer)";1 234 567,5"#,
            #""0301 Oslo";"2023";"Befolkning per 1.1. (personer)";12 34"#
        ])
        try p.write(cp1252(text), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 1)
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(r.dialects["data"]?.contains("encoding=windows-1252") == true, "\(r.dialects)")
        let staged = try p.staged().filter { $0.hasPrefix("0301|202") }
        #expect(
            staged == [
                "0301|2020|Befolkning per 1.1. (personer)|693494.0||1",
                "0301|2021|Befolkning per 1.1. (personer)|697010.0||1",
                "0301|2022|Befolkning per 1.1. (personer)|1234567.5||1"
            ])
        // A space that does not group three digits is not a thousands separator.
        let rejects = try p.rejects()
        #expect(rejects.map(\.location) == [p.local("pipelines/bad/data.csv:\(firstBadLine + 3):4")])
        #expect(rejects.first?.error.contains("found \"12 34\"") == true)
    }

    @Test func symbolsAndEmptyCellsAreStagedAsStatuses() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            csvText([
                #""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";"#,
                #""0301 Oslo";"2021";"Befolkning per 1.1. (personer)";:"#,
                #""0301 Oslo";"2022";"Befolkning per 1.1. (personer)";-"#,
                #""0301 Oslo";"2023";"Befolkning per 1.1. (personer)";699827 *"#
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(
            try p.staged().filter { $0.hasPrefix("0301|202") } == [
                "0301|2020|Befolkning per 1.1. (personer)|null|..|1",
                "0301|2021|Befolkning per 1.1. (personer)|null|:|1",
                "0301|2022|Befolkning per 1.1. (personer)|0.0|-|1",
                "0301|2023|Befolkning per 1.1. (personer)|699827.0|*|1"
            ])
    }

    /// 0124 Askim was merged into 3014 Indre Østfold in 2020: a 2021 value under 0124 is staged
    /// as published but flagged out of validity, and never reaches 3118's 2021 value.
    @Test func regionValidInAnotherYearOnlyIsStagedOutOfValidityAndNotHarmonised() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            csvText([
                #""3014 Indre Østfold (2020-2023)";"2021";"Korttidsplasser i institusjon (antall)";10"#,
                #""3014 Indre Østfold (2020-2023)";"2021";"Plasser i institusjon (antall)";100"#,
                #""0124 Askim (-2019)";"2021";"Korttidsplasser i institusjon (antall)";50"#,
                #""0124 Askim (-2019)";"2021";"Plasser i institusjon (antall)";60"#
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(r.staging["data"]?.outOfValidity == 2, "\(r.events)")
        #expect(try p.rejects().isEmpty)
        let askim = try p.staged().filter { $0.hasPrefix("0124|") }
        #expect(askim == ["0124|2021|Korttidsplasser i institusjon (antall)|50.0||0", "0124|2021|Plasser i institusjon (antall)|60.0||0"])
        #expect(try p.facts("andel_korttid").filter { $0.hasPrefix("3118|2021") } == ["3118|2021|10.0||renumbered"])
        let lineage = try openWarehouse(p.warehouse).read {
            try String.fetchAll(
                $0,
                sql: "SELECT source_region FROM v_lineage WHERE indicator = 'andel_korttid' AND region = '3118' AND year = 2021 ORDER BY 1")
        }
        #expect(lineage == ["3014"])
    }
}

// MARK: - The pipeline definition

extension BadInputTests {
    @Test func pipelinePathEscapingItsFolderIsRefused() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText(), "good.csv")
        try p.definePipeline([.init(id: "data", file: "good.csv"), .init(id: "passwd", file: "../../../etc/passwd")])
        let r = p.run()
        #expect(r.status == 2, "\(r.diagnosis)")
        #expect(
            r.message.contains(
                "pipelines/bad.yml: error: sources[1] (passwd): \"bad/../../../etc/passwd\" escapes the pipeline's folder; give an absolute path to read files elsewhere"
            ), "\(r.diagnosis)")
        #expect(!FileManager.default.fileExists(atPath: p.warehouse.path))
        let v = validateInProcess(p.dir.appendingPathComponent(p.pipelinePath))
        #expect(v.error == nil, "\(String(describing: v.error))")
        #expect(v.problems.contains { $0.contains("escapes the pipeline's folder") }, "\(v.problems)")
        // The catalogue and indicator paths are held to the same rule.
        try p.definePipeline([.init(id: "data", file: "good.csv")], indicators: "../../bad-indicators.yml")
        let i = p.run()
        #expect(i.status == 2)
        #expect(i.message.contains("indicators: \"../../bad-indicators.yml\" escapes the pipeline's folder"), "\(i.diagnosis)")
        // An absolute path is the user's explicit choice and is read.
        try p.definePipeline([.init(id: "data", file: p.folder.appendingPathComponent("good.csv").path)])
        #expect(p.run().status == 0)
    }

    @Test func unknownMeasureInTheIndicatorCatalogueIsADefinitionError() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText(), "good.csv")
        try Data(
            """
            indicators:
              - code: andel_korttid
                name: Andel korttidsplasser
                unit: prosent
                kind: ratio
                numerator: korttidsplasser
                denominator: plasser
                scale: 100
                definition: Short-term places as a share of all institution places.

            """.utf8
        ).write(to: p.dir.appendingPathComponent("pipelines/typo-indicators.yml"))
        try p.definePipeline([.init(id: "data", file: "good.csv")], indicators: "typo-indicators.yml")
        let r = p.run()
        #expect(r.status == 2, "\(r.diagnosis)")
        #expect(
            r.message.contains(
                "pipelines/typo-indicators.yml:6:5: error: indicator andel_korttid: refers to unknown measure \"korttidsplasser\""),
            "\(r.diagnosis)")
        #expect(!FileManager.default.fileExists(atPath: p.warehouse.path))
    }

    @Test func missingSourceFileFailsTheRunWithStatus1() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText(), "good.csv")
        try p.definePipeline([.init(id: "data", file: "good.csv")])
        #expect(p.run().status == 0)
        let before = try contentDump(p.warehouse)
        try p.definePipeline([.init(id: "data", file: "good.csv"), .init(id: "gone", file: "12209_2025.csv")])
        let r = p.run()
        #expect(r.status == 1)
        #expect(!r.message.contains("\n"), "one line: \(r.message)")
        #expect(r.message.contains("pipelines/bad/12209_2025.csv: error: source file not found (source gone)"), "\(r.diagnosis)")
        #expect(try contentDump(p.warehouse) == before)
        let v = validateInProcess(p.dir.appendingPathComponent(p.pipelinePath))
        #expect(v.error == nil, "\(String(describing: v.error))")
        #expect(
            v.problems.contains { $0.contains("sources[1] (gone): file not found: ") && $0.contains("pipelines/bad/12209_2025.csv") },
            "\(v.problems)")
    }

    @Test func unknownSourceFormatIsADefinitionError() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText(), "good.csv")
        try p.definePipeline([.init(id: "data", file: "good.csv", extra: ["format: xls"])])
        let r = p.run()
        #expect(r.status == 2, "\(r.diagnosis)")
        #expect(
            r.message.contains("sources[0].format: unknown value `xls`; expected one of `csv`, `jsonstat`, `sdmx`, `px`, `husbanken`"),
            "\(r.diagnosis)")
    }

    @Test func measureMatchingNothingInItsSourceFailsTheRun() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        // The source renamed its statistics variable: no row matches the measure any more.
        try p.write(csvText().replacingOccurrences(of: "Befolkning per 1.1. (personer)", with: "Personer per 1.1."), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        // A definition that the data contradicts: exit 2, naming the pipeline's line.
        #expect(r.status == 2, "\(r.diagnosis)")
        #expect(r.message.contains(".yml:"), "\(r.diagnosis)")
        #expect(r.message.contains("measures.befolkning.contents: `Befolkning per 1.1. (personer)` is not a measure"), "\(r.diagnosis)")
        #expect(r.message.contains("`Personer per 1.1.`"), "the message lists what the source has")
    }
}

// MARK: - Hostile XML: no network, no file disclosure

extension BadInputTests {
    /// A DOCTYPE naming an external DTD over HTTP: the reader must not connect. A local TCP
    /// listener stands in for the attacker's server and must see no connection.
    @Test func externalDTDIsNeverFetched() throws {
        let listener = try LocalListener()
        defer { listener.close() }
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(sdmx(doctype: "<!DOCTYPE GenericData SYSTEM \"http://127.0.0.1:\(listener.port)/evil.dtd\">"), "net.xml")
        let r = p.inspect("net.xml")
        // Any DOCTYPE is refused, and the DTD's URL is never contacted.
        #expect(r.status == 1)
        #expect(r.message.contains("DOCTYPE"), "\(r.text)\(r.message)")
        #expect(!listener.sawConnection(), "the reader connected to the DTD's URL")
    }
}

/// A TCP listener on 127.0.0.1 with a kernel-chosen port, checked for pending connections.
final class LocalListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
        guard bound == 0, listen(s, 4) == 0 else { Glibc.close(s); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
        fd = s
        port = UInt16(bigEndian: addr.sin_port)
    }

    /// Whether a connection is waiting (or was made) on the port.
    func sawConnection() -> Bool {
        let c = accept(fd, nil, nil)
        if c >= 0 { Glibc.close(c); return true }
        return false
    }

    func close() { Glibc.close(fd) }
}

// MARK: - Found by this suite and fixed (the non-existent code case is still open)

extension BadInputTests {
    /// A count cannot be negative: a negative number of places must not become a negative
    /// share. Correct: the row is rejected (or the run warns) naming the value and its place.
    @Test
    func negativeCountIsRejectedOrFlagged() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            csvText([
                #""0301 Oslo";"2020";"Korttidsplasser i institusjon (antall)";-5"#,
                #""0301 Oslo";"2020";"Plasser i institusjon (antall)";300"#
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 5)
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        // Either the row is rejected, or the run warns naming the value's place.
        let rejected = try p.rejects().contains {
            $0.location == p.local("pipelines/bad/data.csv:\(firstBadLine):4") && $0.error.contains("negative")
        }
        let warned = try p.warnings().contains { $0.contains("negative") && $0.contains("data.csv:\(firstBadLine)") }
        #expect(rejected || warned, "no reject or warning for the negative count")
        if rejected {
            #expect(try !p.facts("andel_korttid").contains { $0.hasPrefix("0301|2020|-") }, "a rejected row still reached the facts")
        }
    }

    /// A part cannot exceed its whole: 500 short-term places out of 300 places gives 166.7 %.
    /// Correct: the run warns naming the indicator, region, year and both values (or rejects).
    @Test
    func numeratorAboveDenominatorIsFlagged() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            csvText([
                #""0301 Oslo";"2020";"Korttidsplasser i institusjon (antall)";500"#,
                #""0301 Oslo";"2020";"Plasser i institusjon (antall)";300"#
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 5)
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        let warned =
            try p.warnings().contains { $0.contains("andel_korttid") && $0.contains("0301") && $0.contains("2020") }
            || p.rejects().contains { $0.error.contains("andel_korttid") || $0.error.contains("denominator") }
        #expect(warned, "no warning for a share above 100 %")
        #expect(r.summary?.warnings.isEmpty == false, "\(r.diagnosis)")
    }

    /// etl_reject.raw is there so a person sees the row as it was; today the fields of a CSV row
    /// are concatenated without their delimiter (`0301 Oslo2018Befolkning per 1.1. (personer)12`).
    @Test
    func rejectedRowKeepsItsOriginalText() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            csvText([
                #""0301 Oslo";"2018";"Befolkning per 1.1. (personer)";1;2"#,
                #""0301 Oslo";"2020";"Befolkning per 1.1. (personer)";mange"#
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 5)
        #expect(p.run().status == 0)
        let raws = try p.rejects().map { $0.raw.replacingOccurrences(of: "\"", with: "") }
        #expect(raws == ["0301 Oslo;2018;Befolkning per 1.1. (personer);1;2", "0301 Oslo;2020;Befolkning per 1.1. (personer);mange"])
    }

    /// A line of blanks at the end of a hand-edited file is a blank line, not a data row.
    @Test
    func whitespaceOnlyLineIsABlankLine() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText() + "   \r\n\t\r\n", "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(try p.rejects().isEmpty)
    }

    /// UTF-16 is text, not binary; the message should say what the file is and what to do.
    @Test
    func utf16FileIsNamedAsSuch() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        var bytes: [UInt8] = [0xFF, 0xFE]
        for u in csvText().utf16 { bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        try p.write(bytes, "utf16.csv")
        let r = p.inspect("utf16.csv")
        #expect(r.status == 1)
        #expect(r.message.contains("pipelines/bad/utf16.csv:1: error:"))
        #expect(r.message.contains("UTF-16"), "\(r.message)")
    }

    /// Codes of the right shape that never existed (0199, 3199) are rejected with the nearest
    /// codes valid in their year, by number and by name; they never become municipalities.
    @Test
    func nonExistentKommuneCodeIsRejected() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            csvText([
                #""0199 Nowhere";"2019";"Befolkning per 1.1. (personer)";5"#,
                #""3199 Haldn";"2024";"Befolkning per 1.1. (personer)";6"#
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 5)
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        let rejects = try p.rejects()
        #expect(rejects.count == 2, "\(rejects)")
        #expect(
            rejects.first { $0.location == p.local("pipelines/bad/data.csv:\(firstBadLine):1") }?.error
                == "unknown region code \"0199\": no kommune had this code in any year 1971–2026; nearest codes valid in 2019: 0138 Hobøl, 0137 Våler (Østfold), 0136 Rygge"
        )
        #expect(
            rejects.first { $0.location == p.local("pipelines/bad/data.csv:\(firstBadLine + 1):1") }?.error
                == "unknown region code \"3199\": no kommune had this code in any year 1971–2026; nearest codes valid in 2024: 3124 Aremark, 3122 Marker, 3120 Rakkestad; by name \"Haldn\": 3101 Halden"
        )
        #expect(try !p.facts("befolkning").contains { $0.hasPrefix("0199|") || $0.hasPrefix("3199|") })
    }

    /// README: "Every run leaves a row in etl_run and a JSON run record in runs/". A run that
    /// fails before its transaction (a source file missing or unreadable) leaves neither, so
    /// `etl status` shows last night's failed run as if it had not happened.
    @Test
    func aRunFailingBeforeStagingIsRecorded() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(csvText(), "good.csv")
        try p.definePipeline([.init(id: "data", file: "good.csv")])
        #expect(p.run().status == 0)
        try p.definePipeline([.init(id: "data", file: "good.csv"), .init(id: "gone", file: "12209_2025.csv")])
        #expect(p.run().status == 1)
        let runs = try openWarehouse(p.warehouse).read { db in
            try Row.fetchAll(db, sql: "SELECT status, ifnull(message, '') AS message FROM etl_run ORDER BY run_id").map {
                "\($0["status"] as String): \($0["message"] as String)"
            }
        }
        #expect(runs.count == 2, "\(runs)")
        #expect(runs.last?.hasPrefix("failed: ") == true && runs.last?.contains("12209_2025.csv") == true, "\(runs)")
    }

    /// Found by fuzzing (Fuzz/regressions/sdmx/): an `Obs` directly in the `DataSet` after
    /// `Series` makes the reader stop libxml2 from inside the SAX callback (`xmlStopParser`,
    /// which frees libxml2's input buffer) and then go on reading the element's attribute values
    /// from that buffer. AddressSanitizer reports heap-use-after-free on the small file; the
    /// 250 kB file (an input buffer large enough to be unmapped) crashes `etl` with SIGSEGV.
    @Test
    func sdmxMixingLayoutsIsAnErrorNotACrash() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        var big = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StructureSpecificData><DataSet>\n"
        for i in 0..<3000 { big += "<Series Region=\"0301\" C=\"c\(i)\"><Obs TIME_PERIOD=\"2024\" OBS_VALUE=\"\(i)\"/></Series>\n" }
        big += "<Obs OBS_STATUS=\"A\" TIME_PERIOD=\"2024\" OBS_VALUE=\"12\"/>\n</DataSet></StructureSpecificData>\n"
        try p.write(big, "mixed.xml")
        let r = p.inspect("mixed.xml")
        #expect(r.status == 1, "read with exit \(r.status)")
        #expect(r.message.contains("pipelines/bad/mixed.xml:3003"), "\(r.message)")
        #expect(r.message.contains("an Obs directly in the DataSet, but earlier observations are in Series"), "\(r.message)")
        try p.write(csvText(), "good.csv")
        try p.definePipeline([.init(id: "data", file: "good.csv"), .init(id: "sdmx", file: "mixed.xml")])
        let run = p.run()
        #expect(run.status == 1, "\(run.diagnosis)")
        #expect(run.message.contains("an Obs directly in the DataSet"), "\(run.diagnosis)")
    }

    /// An entity the document uses but never declares (its DTD is external and never loaded)
    /// must not silently become an empty value: the reader refuses any DOCTYPE in SDMX.
    @Test
    func undeclaredEntityIsAnErrorNotAnEmptyValue() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write("<!ENTITY xxe SYSTEM \"file:///etc/hostname\">\n", "evil.dtd")
        try p.write(
            sdmx(doctype: "<!DOCTYPE GenericData SYSTEM \"\(p.folder.appendingPathComponent("evil.dtd").path)\">", region: "&xxe;"),
            "dtd.xml")
        let r = p.inspect("dtd.xml")
        #expect(r.status == 1, "\(r.text)")
        // The DOCTYPE itself is refused, before any entity could be read as an empty value.
        #expect(r.message.contains("pipelines/bad/dtd.xml:"), "\(r.message)")
        #expect(r.message.contains("DOCTYPE"), "\(r.message)")
        #expect(!r.text.contains("\t\t"), "no cell with an empty region was printed")
    }
}
