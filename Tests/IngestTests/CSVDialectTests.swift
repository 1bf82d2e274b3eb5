import Foundation
import Testing
import TestSupport
@testable import Ingest

/// Collects what a reader emits, for the table-driven dialect tests.
struct DialectSink: CellSink {
    var schemas: [DatasetSchema] = []
    var rows: [String] = []
    var rejects: [ReadError] = []
    mutating func begin(_ schema: DatasetSchema) throws {}
    mutating func end(_ schema: DatasetSchema) throws { schemas.append(schema) }
    mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        let ids = schema.dimensions.map(\.id)
        var parts: [String] = []
        for (i, id) in ids.enumerated() { parts.append("\(roleName(schema.dimensions[i].role, id))=\(cell.coordinates[i])") }
        parts.sort()
        rows.append(parts.joined(separator: ",") + "|\(cell.value.map { "\($0)" } ?? "nil")|\(cell.status ?? "")")
    }
    mutating func reject(_ error: ReadError, raw: String) throws { rejects.append(error) }
    func roleName(_ r: DimensionRole, _ id: String) -> String { r == .other ? id : r.rawValue }
}

func readCSV(_ path: String, _ options: CSVOptions = CSVOptions()) throws -> (CSVDialect, DialectSink) {
    let r = try CSVReader(path: path, options: options)
    var sink = DialectSink()
    try r.read(into: &sink)
    return (r.dialect, sink)
}

/// The same eight cells, as SSB serves them in every dialect: Askim and Indre Østfold, two
/// years, a share and a count, with the symbols `.`, `..`, `:`, `-`, `*`.
let expectedDialectCells: [String] = [
    "geo=0124,metric=Andel (prosent),time=2019|31.5|",
    "geo=0124,metric=Andel (prosent),time=2020|nil|.",
    "geo=0124,metric=Plasser (antall),time=2019|1234.0|",
    "geo=0124,metric=Plasser (antall),time=2020|nil|.",
    "geo=3014,metric=Andel (prosent),time=2019|nil|..",
    "geo=3014,metric=Andel (prosent),time=2020|28.25|*",
    "geo=3014,metric=Plasser (antall),time=2019|nil|:",
    "geo=3014,metric=Plasser (antall),time=2020|0.0|-"
]

struct Dialect: Sendable, CustomStringConvertible {
    var name: String
    var bytes: [UInt8]
    var delimiter: UInt8
    var decimalComma: Bool
    var encoding: TextEncoding
    var layout: CSVDialect.Layout
    var description: String { name }
}

func longText(sep: String, dec: String, askim: String, indre: String, title: String? = nil, quoteNumbers: Bool = false) -> String {
    func n(_ s: String) -> String { let v = s.replacingOccurrences(of: ".", with: dec); return quoteNumbers ? "\"\(v)\"" : v }
    var lines: [String] = []
    if let title { lines += ["\"\(title)\"", ""] }
    lines.append(["\"region\"", "\"år\"", "\"statistikkvariabel\"", "\"12209: Utvalgte nøkkeltall\""].joined(separator: sep))
    let rows: [(String, String, String, String)] = [
        (askim, "2019", "Andel (prosent)", n("31.5")), (askim, "2019", "Plasser (antall)", "\"1 234\""),
        (askim, "2020", "Andel (prosent)", "."), (askim, "2020", "Plasser (antall)", "."),
        (indre, "2019", "Andel (prosent)", ".."), (indre, "2019", "Plasser (antall)", ":"),
        (indre, "2020", "Andel (prosent)", n("28.25") + " *"), (indre, "2020", "Plasser (antall)", "-")
    ]
    for r in rows { lines.append(["\"\(r.0)\"", "\"\(r.1)\"", "\"\(r.2)\"", r.3].joined(separator: sep)) }
    return lines.joined(separator: "\r\n") + "\r\n"
}

let dialects: [Dialect] = {
    let askim = "0124 Askim (-2019)", indre = "3014 Indre Østfold (2020-2023)"
    var out: [Dialect] = []
    // v0 dataset: ; decimal comma, ISO-8859-1.
    out.append(
        Dialect(
            name: "v0 dataset ; , ISO-8859-1",
            bytes: TextEncoding.iso88591.encode(longText(sep: ";", dec: ",", askim: askim, indre: indre)),
            delimiter: 0x3B, decimalComma: true, encoding: .windows1252, layout: .long))
    // statbank download with a quoted title line, Windows-1252.
    out.append(
        Dialect(
            name: "statbank ; with title, Windows-1252",
            bytes: TextEncoding.windows1252.encode(
                longText(
                    sep: ";", dec: ",", askim: askim, indre: indre, title: "12209: Utvalgte nøkkeltall for helse og omsorg, etter region")),
            delimiter: 0x3B, decimalComma: true, encoding: .windows1252, layout: .long))
    // UTF-8 with BOM, decimal point, semicolon.
    out.append(
        Dialect(
            name: "statbank ; UTF-8 BOM decimal point",
            bytes: [0xEF, 0xBB, 0xBF] + Array(longText(sep: ";", dec: ".", askim: askim, indre: indre).utf8),
            delimiter: 0x3B, decimalComma: false, encoding: .utf8, layout: .long))
    // PxWebApi v2 csv: comma, decimal point, UTF-8, codes-and-texts region form.
    out.append(
        Dialect(
            name: "PxWebApi v2 , UTF-8 with 'code - name'",
            bytes: Array(
                longText(sep: ",", dec: ".", askim: "0124 - Askim (-2019)", indre: "3014 - Indre Østfold (2020-2023)", quoteNumbers: true)
                    .utf8),
            delimiter: 0x2C, decimalComma: false, encoding: .utf8, layout: .long))
    // Tab-separated.
    out.append(
        Dialect(
            name: "tab, decimal comma, UTF-8", bytes: Array(longText(sep: "\t", dec: ",", askim: askim, indre: indre).utf8),
            delimiter: 0x09, decimalComma: true, encoding: .utf8, layout: .long))
    // Wide: a column per measure and year ("variable year").
    let wide = """
        "region";"Andel (prosent) 2019";"Andel (prosent) 2020";"Plasser (antall) 2019";"Plasser (antall) 2020"\r
        "\(askim)";31,5;.;1 234;.\r
        "\(indre)";..;28,25*;:;-\r

        """
    out.append(
        Dialect(
            name: "wide ; , Windows-1252", bytes: TextEncoding.windows1252.encode(wide), delimiter: 0x3B, decimalComma: true,
            encoding: .windows1252, layout: .wide))
    return out
}()

@Suite struct CSVDialectTests {
    /// Removed after each test (a suite value lives for one test).
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory("csv-dialects") }

    @Test(arguments: dialects)
    func everyDialectGivesTheSameCells(_ d: Dialect) throws {
        let path = try scratch.write(d.bytes, to: "t.csv")
        let (dialect, sink) = try readCSV(path)
        #expect(dialect.delimiter == d.delimiter)
        #expect(dialect.decimalComma == d.decimalComma)
        #expect(dialect.encoding == d.encoding)
        #expect(dialect.layout == d.layout)
        #expect(sink.rejects.isEmpty, "\(sink.rejects)")
        #expect(sink.rows.sorted() == expectedDialectCells.sorted())
        // Validity brackets are parsed off the name.
        let geo = try #require(sink.schemas.first?.dimensions.first { $0.role == .geo })
        #expect(geo.categories["3014"] == CategoryLabel(name: "Indre Østfold", validFrom: 2020, validTo: 2023))
        #expect(geo.categories["0124"] == CategoryLabel(name: "Askim", validFrom: nil, validTo: 2019))
    }

    @Test func windows1252LetterOIsReadAsØ() throws {
        let bytes = TextEncoding.windows1252.encode(
            "\"region\";\"år\";\"statistikkvariabel\";\"v\"\r\n\"3014 Indre Østfold\";\"2021\";\"Plasser\";5\r\n")
        #expect(bytes.contains(0xD8) && bytes.contains(0xE5))
        let (dialect, sink) = try readCSV(try scratch.write(bytes, to: "w.csv"))
        #expect(dialect.encoding == .windows1252)
        #expect(sink.schemas.first?.dimensions[0].categories["3014"]?.name == "Indre Østfold")
        #expect(sink.schemas.first?.dimensions[1].id == "år")
    }

    @Test func regionCellForms() {
        #expect(RegionLabel.parse("0124 Askim") == .init(code: "0124", label: CategoryLabel(name: "Askim")))
        #expect(RegionLabel.parse("0124 - Askim") == .init(code: "0124", label: CategoryLabel(name: "Askim")))
        #expect(RegionLabel.parse("K-3118 Indre Østfold") == .init(code: "K-3118", label: CategoryLabel(name: "Indre Østfold")))
        #expect(RegionLabel.parse("EAK Landet") == .init(code: "EAK", label: CategoryLabel(name: "Landet")))
        #expect(RegionLabel.parse("EKG13 Kostragruppe 13") == .init(code: "EKG13", label: CategoryLabel(name: "Kostragruppe 13")))
        #expect(
            RegionLabel.parse("EKA30 Viken (2020-2023)")
                == .init(code: "EKA30", label: CategoryLabel(name: "Viken", validFrom: 2020, validTo: 2023)))
        #expect(RegionLabel.parse("3114 Våler (Østfold)") == .init(code: "3114", label: CategoryLabel(name: "Våler (Østfold)")))
        #expect(RegionLabel.parse("5436 Porsanger - Porsáŋgu - Porsanki  (2020-2023)").label?.validTo == 2023)
    }

    @Test(arguments: [
        ("12 345", false, 12345.0), ("12\u{00A0}345", false, 12345.0), ("1 234 567,5", true, 1234567.5), ("-3,25", true, -3.25),
        ("0.1", false, 0.1), ("1e3", false, 1000.0), ("15.360664244940322", false, 15.360664244940322)
    ])
    func numbers(_ text: String, _ comma: Bool, _ want: Double) {
        #expect(NumberParser.parse(text, decimalComma: comma) == .number(want, status: nil))
    }

    @Test(arguments: [".", "..", "...", ":", "-", "*"])
    func symbolsAreKeptAsStatus(_ s: String) {
        let r = NumberParser.parse(s, decimalComma: true)
        if s == "-" { #expect(r == .number(0, status: "-")) } else { #expect(r == .symbol(s)) }
    }

    @Test func quotedFieldsWithDelimitersQuotesAndNewlines() throws {
        let text = "\"region\";\"år\";\"statistikkvariabel\";\"v\"\r\n\"0301 Oslo\";\"2020\";\"Andel; \"\"ny\"\"\r\ndefinisjon\";7\r\n"
        let (_, sink) = try readCSV(try scratch.write(Array(text.utf8), to: "q.csv"))
        #expect(sink.rows == ["geo=0301,metric=Andel; \"ny\"\r\ndefinisjon,time=2020|7.0|"])
    }

    @Test func wideAndLongWithTheSameContentGiveIdenticalCells() throws {
        let long = try readCSV(try scratch.write(dialects[0].bytes, to: "l.csv")).1.rows.sorted()
        let wide = try readCSV(try scratch.write(dialects[5].bytes, to: "w.csv")).1.rows.sorted()
        #expect(long == wide)
    }

    @Test func forcedOptionsOverrideSniffing() throws {
        let path = try scratch.write(dialects[0].bytes, to: "f.csv")
        let (d, _) = try readCSV(path, CSVOptions(delimiter: 0x3B, decimalComma: true, encoding: .iso88591))
        #expect(d.encoding == .iso88591)
        // Forcing the wrong delimiter cannot silently read right: every row is refused.
        let wrong = try readCSV(path, CSVOptions(delimiter: 0x2C)).1
        #expect(wrong.rejects.count >= 6)
    }

    @Test(arguments: [
        ("empty", "", "the file is empty"),
        ("header only", "\"region\";\"år\";\"v\"\r\n", "has a header but no data rows"),
        ("truncated quote", "\"region\";\"år\";\"v\"\r\n\"0301 Oslo\";\"20", "ends inside a quoted field"),
        ("binary", "\u{0}\u{1}PNG\u{0}", "binary data")
    ])
    func badFilesAreRefusedWithALocation(_ name: String, _ text: String, _ message: String) throws {
        let path = try scratch.write(Array(text.utf8), to: "bad.csv")
        do {
            _ = try readCSV(path)
            Issue.record("\(name): no error")
        } catch let e as ReadError {
            #expect(e.message.contains(message), "\(name): \(e.message)")
            #expect(e.location.line != nil)
            #expect(e.description.hasPrefix(path + ":"))
        }
    }

    @Test func raggedRowIsRejectedWithItsLine() throws {
        let text = "\"region\";\"år\";\"statistikkvariabel\";\"v\"\r\n\"0301 Oslo\";\"2020\";\"A\";1\r\n\"0301 Oslo\";\"2021\";1\r\n"
        let (_, sink) = try readCSV(try scratch.write(Array(text.utf8), to: "r.csv"))
        #expect(sink.rows.count == 1)
        #expect(sink.rejects.first?.location.line == 3)
        #expect(sink.rejects.first?.message == "expected 4 fields as in the header, found 3")
    }
}
