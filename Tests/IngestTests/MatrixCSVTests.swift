import Foundation
import Testing
import TestSupport
@testable import Ingest

/// Statbank "matrix" CSV, Excel's artefacts and region cells as people write them
/// (docs/FORMATS.md). Fixtures are written here, shaped like real downloads, values invented.
struct MatrixCSVTests {
    /// Removed after each test (a suite value lives for one test).
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory("ingest-tests") }

    static let title = "13135: Utvalgte nøkkeltall for kultur, etter region, statistikkvariabel og år"

    /// One heading variable over the years, one stub column, a footer.
    static let oneHeading = """
        \(title);;;;
        ;;;;
        ;Barn 6-15 år i kulturskolen (prosent);;;
        ;2018;2019;2020;2021
        3801 Horten;.;.;5,1;4,9
        0701 Horten (-2019);6,2;5,8;.;.

        Sist endret: 15.03.2022 08:00;;;;
        Kilde: Statistisk sentralbyrå;;;;
        <a href="https://www.ssb.no">ssb.no</a>;;;;
        """

    static let oneHeadingCells = [
        "geo=0701,metric=Barn 6-15 år i kulturskolen (prosent),time=2018|6.2|",
        "geo=0701,metric=Barn 6-15 år i kulturskolen (prosent),time=2019|5.8|",
        "geo=0701,metric=Barn 6-15 år i kulturskolen (prosent),time=2020|nil|.",
        "geo=0701,metric=Barn 6-15 år i kulturskolen (prosent),time=2021|nil|.",
        "geo=3801,metric=Barn 6-15 år i kulturskolen (prosent),time=2018|nil|.",
        "geo=3801,metric=Barn 6-15 år i kulturskolen (prosent),time=2019|nil|.",
        "geo=3801,metric=Barn 6-15 år i kulturskolen (prosent),time=2020|5.1|",
        "geo=3801,metric=Barn 6-15 år i kulturskolen (prosent),time=2021|4.9|"
    ]

    func read(_ text: String, encoding: TextEncoding = .utf8, bom: Bool = false, crlf: Bool = false, options: CSVOptions = CSVOptions())
        throws -> (CSVDialect, DialectSink)
    {
        var t = text
        if crlf { t = t.replacingOccurrences(of: "\n", with: "\r\n") }
        let bytes = (bom ? [0xEF, 0xBB, 0xBF] : []) + encoding.encode(t)
        return try readCSV(try scratch.write(bytes, to: "matrix.csv"), options)
    }

    @Test func matrixWithOneHeadingAndAFooterIsReadToItsCells() throws {
        let (dialect, sink) = try read(Self.oneHeading, encoding: .windows1252)
        #expect(dialect.layout == .matrix)
        #expect(dialect.headerRows == 2)
        #expect(dialect.stubColumns == 1)
        #expect(dialect.footerLines == 3)
        #expect(dialect.headerLine == 3)
        #expect(dialect.decimalComma)
        #expect(sink.rows.sorted() == Self.oneHeadingCells)
        #expect(sink.rejects.isEmpty)
        let schema = try #require(sink.schemas.first)
        #expect(schema.label == Self.title)
        #expect(schema.metadata["footer"]?.hasPrefix("Sist endret: 15.03.2022 08:00\nKilde: Statistisk sentralbyrå") == true)
        #expect(schema.dimensions[0].categories["0701"] == CategoryLabel(name: "Horten", validTo: 2019))
        #expect(dialect.description.contains("layout=matrix header-line=3 header-rows=2 stub-columns=1 footer-lines=3"))
    }

    /// Every way the same matrix comes: BOM + CRLF, quoted everything, `sep=;`, Excel padding,
    /// HTML entities, Windows-1252, two stub columns with continuation rows, a heading
    /// spanning columns over two heading variables.
    static let variants: [(name: String, text: String, encoding: TextEncoding, bom: Bool, crlf: Bool)] = [
        ("bom crlf utf-8", oneHeading, .utf8, true, true),
        (
            "sep= line and Excel padding", "sep=;\n" + oneHeading.replacingOccurrences(of: "5,8;.;.", with: "5,8;.;.;;;"), .windows1252,
            false, true
        ),
        (
            "quoted everything",
            """
            "\(title)"
            ""
            " ";"Barn 6-15 &#229;r i kulturskolen (prosent)";"";"";""
            " ";"2018";"2019";"2020";"2021"
            "3801 Horten";".";".";"5,1";"4,9"
            "0701 Horten (-2019)";"6,2";"5,8";".";"."
            """, .utf8, false, true
        ),
        (
            "trailing empty columns",
            oneHeading.split(separator: "\n", omittingEmptySubsequences: false).map { $0 + ";;" }.joined(separator: "\n"), .utf8, false,
            false
        )
    ]

    @Test(arguments: 0..<variants.count)
    func matrixVariantsReadToTheSameCells(_ k: Int) throws {
        let v = Self.variants[k]
        let (dialect, sink) = try read(v.text, encoding: v.encoding, bom: v.bom, crlf: v.crlf)
        #expect(dialect.layout == .matrix, "\(v.name)")
        #expect(sink.rows.sorted() == Self.oneHeadingCells, "\(v.name)")
        #expect(sink.rejects.isEmpty, "\(v.name): \(sink.rejects)")
    }

    @Test func sepLineIsNamedInTheDialect() throws {
        let (dialect, _) = try read("sep=;\n" + Self.oneHeading)
        #expect(dialect.sepLine)
        #expect(dialect.headerLine == 4)
        #expect(dialect.description.hasPrefix("delimiter=semicolon (sep= line)"))
    }

    @Test func twoStubColumnsAndTwoHeadingRowsWithSpans() throws {
        let text = """
            12345: Plasser, etter region, kjønn, statistikkvariabel og år;;;;;
            ;;;;;
            " ";" ";Plasser (antall);;Beboere (antall);
            " ";" ";2019;2020;2019;2020
            0301 Oslo;Menn;"83 023";1 200;5;6
            ;Kvinner;7;8;9;10
            3801 Horten;Menn;:;-;1;2
            ;Kvinner;3;4;5;6*
            """
        let (dialect, sink) = try read(text)
        #expect(dialect.stubColumns == 2)
        #expect(dialect.headerRows == 2)
        #expect(sink.rejects.isEmpty)
        #expect(sink.rows.count == 16)
        #expect(sink.rows.contains("geo=0301,metric=Plasser (antall),stub2=Menn,time=2019|83023.0|"))
        #expect(sink.rows.contains("geo=0301,metric=Plasser (antall),stub2=Menn,time=2020|1200.0|"))
        #expect(sink.rows.contains("geo=0301,metric=Beboere (antall),stub2=Kvinner,time=2020|10.0|"))
        #expect(sink.rows.contains("geo=3801,metric=Plasser (antall),stub2=Menn,time=2019|nil|:"))
        #expect(sink.rows.contains("geo=3801,metric=Plasser (antall),stub2=Menn,time=2020|0.0|-"))
        #expect(sink.rows.contains("geo=3801,metric=Beboere (antall),stub2=Kvinner,time=2020|6.0|*"))
    }

    @Test func oldQuotedExportWithYearsFirstAndNoTitle() throws {
        let text = """
            " ";"1979";"1980"
            " ";"Konsumprisindeks (2015=100)";""
            "Matvarer og alkoholfrie drikkevarer";27.5;29.9
            "Klær og skotøy";40.1;42.0
            """
        let (dialect, sink) = try read(text, crlf: true)
        #expect(dialect.layout == .matrix)
        #expect(!dialect.decimalComma)
        #expect(
            sink.rows.sorted() == [
                "metric=Konsumprisindeks (2015=100),stub1=Klær og skotøy,time=1979|40.1|",
                "metric=Konsumprisindeks (2015=100),stub1=Klær og skotøy,time=1980|42.0|",
                "metric=Konsumprisindeks (2015=100),stub1=Matvarer og alkoholfrie drikkevarer,time=1979|27.5|",
                "metric=Konsumprisindeks (2015=100),stub1=Matvarer og alkoholfrie drikkevarer,time=1980|29.9|"
            ])
    }

    /// Bad matrices: each refused (or its row rejected) with its place.
    static let bad: [(name: String, text: String, message: String)] = [
        (
            "a row with a field too few", oneHeading.replacingOccurrences(of: "3801 Horten;.;.;5,1;4,9", with: "3801 Horten;.;.;5,1"),
            "matrix.csv:5: expected 5 fields as in the header, found 4"
        ),
        (
            "a value outside the table", oneHeading.replacingOccurrences(of: "3801 Horten;.;.;5,1;4,9", with: "3801 Horten;.;.;5,1;4,9;7"),
            "matrix.csv:5:6: field 6 is outside the table (the header names 5 columns) but holds \"7\""
        ),
        (
            "text in a value", oneHeading.replacingOccurrences(of: "5,1", with: "mange"),
            "matrix.csv:5:4: field 4 (Barn 6-15 år i kulturskolen (prosent) 2020): expected a number (decimal comma) or one of the symbols . .. ... : - *, found \"mange\""
        ),
        (
            "an empty stub", oneHeading.replacingOccurrences(of: "3801 Horten;", with: " ;"),
            "matrix.csv:5:1: field 1 (region) is empty; expected a category"
        ),
        (
            "a code that lost its zero", oneHeading.replacingOccurrences(of: "0701 Horten (-2019)", with: "701"),
            "matrix.csv:6:1: region code \"701\" has 3 digits; a spreadsheet probably dropped a leading zero: did you mean \"0701\"? Fix the file, or set `leading_zeros: restore` (--leading-zeros restore) to read it as 0701"
        )
    ]

    @Test(arguments: 0..<bad.count)
    func badMatrixRowsAreRejectedWithTheirPlace(_ k: Int) throws {
        let b = Self.bad[k]
        let path = try scratch.write(Array(b.text.utf8), to: "matrix.csv")
        var sink = DialectSink()
        try CSVReader(path: path, options: CSVOptions(displayName: "matrix.csv")).read(into: &sink)
        #expect(sink.rejects.map { "\($0.location): \($0.message)" }.contains(b.message), "\(b.name): \(sink.rejects)")
    }

    static let refused: [(name: String, text: String, message: String)] = [
        (
            "data after the footer", oneHeading + "\n3802 Holmestrand;1;2;3;4",
            "matrix.csv:11: error: a data row after the footer that starts at line 7; expected the data rows together, before the footer (remove the blank line)"
        ),
        (
            "an empty cell in the year row", oneHeading.replacingOccurrences(of: ";2018;2019;2020;2021", with: ";2018;;2020;2021"),
            "matrix.csv:4:3: error: column 3 repeats the heading Barn 6-15 år i kulturskolen (prosent) / 2018; expected each column once"
        ),
        (
            "a repeated column", oneHeading.replacingOccurrences(of: ";2018;2019;2020;2021", with: ";2018;2019;2020;2020"),
            "matrix.csv:4:5: error: column 5 repeats the heading Barn 6-15 år i kulturskolen (prosent) / 2020; expected each column once"
        ),
        (
            "header rows only", "\(title);;\n;;\n;Plasser;\n;2019;2020\n",
            "matrix.csv:3: error: the file has header rows but no data rows"
        )
    ]

    @Test(arguments: 0..<refused.count)
    func badMatricesAreRefusedWithTheirPlace(_ k: Int) throws {
        let b = Self.refused[k]
        let path = try scratch.write(Array(b.text.utf8), to: "matrix.csv")
        var sink = DialectSink()
        do {
            try CSVReader(path: path, options: CSVOptions(displayName: "matrix.csv")).read(into: &sink)
            Issue.record("\(b.name): read without error")
        } catch let e as ReadError {
            #expect(e.description == b.message, "\(b.name)")
        }
    }

    // MARK: Excel artefacts (point 3)

    @Test func longLayoutWithSepLineQuotedThousandsAndEntities() throws {
        let text =
            "sep=;\r\n\"Kommune\";\"&#197;r\";\"Aktive l&#229;nere\"\r\n\"0301 Oslo\";\"2020\";\"83 023\"\r\n\"3801 Horten\";\"2020\";\"1\u{A0}234\"\r\n"
        let (dialect, sink) = try read(text, encoding: .windows1252)
        #expect(dialect.layout == .long)
        #expect(dialect.sepLine)
        #expect(sink.rows.sorted() == ["geo=0301,time=2020|83023.0|", "geo=3801,time=2020|1234.0|"])
        #expect(sink.schemas.first?.label == "Aktive lånere")
        #expect(sink.schemas.first?.dimensions.map(\.id) == ["Kommune", "År"])
    }

    @Test func aFileMixingEncodingsIsRefusedNamingTheMinorityLine() throws {
        let latin = TextEncoding.windows1252
        let cases: [(name: String, bytes: [UInt8], message: String)] = [
            (
                "one UTF-8 line among Windows-1252",
                latin.encode("Region;År;Verdi\n0301 Ås;2020;1\n") + Array("3801 Tønsberg;2020;2\n".utf8),
                "mixed.csv:3: error: the file mixes encodings: 2 lines are Windows-1252 (from line 1), but this line is UTF-8; save the whole file in one encoding"
            ),
            (
                "one Windows-1252 line among UTF-8",
                Array("Region;År;Verdi\n5001 Trøndelag;2020;1\n".utf8) + latin.encode("0301 Ås;2020;2\n"),
                "mixed.csv:3: error: the file mixes encodings: 2 lines are UTF-8 (from line 1), but this line is Windows-1252; save the whole file in one encoding"
            )
        ]
        for c in cases {
            let path = try scratch.write(c.bytes, to: "mixed.csv")
            #expect(throws: ReadError.self, "\(c.name)") { _ = try CSVReader(path: path, options: CSVOptions(displayName: "mixed.csv")) }
            do { _ = try CSVReader(path: path, options: CSVOptions(displayName: "mixed.csv")) } catch let e as ReadError {
                #expect(e.description == c.message, "\(c.name)")
            }
        }
    }

    @Test(arguments: [
        ("Aktive l&#229;nere", "Aktive lånere"), ("&#xE5;r", "år"), ("Sm&aring; &amp; store", "Små & store"),
        ("R&D", "R&D"), ("&bogus;", "&bogus;"), ("&#99999999;", "&#99999999;")
    ])
    func htmlEntitiesInHeadersAreDecoded(_ c: (String, String)) {
        #expect(HTMLEntities.decode(c.0) == c.1)
    }

    // MARK: Region cells (point 2)

    @Test(arguments: [
        ("3801 Horten", RegionCell.code("3801", CategoryLabel(name: "Horten"))),
        ("K-3801", RegionCell.code("K-3801", nil)),
        ("K3801", RegionCell.code("K-3801", nil)),
        ("K3801 Horten", RegionCell.code("K-3801", CategoryLabel(name: "Horten"))),
        ("Horten", RegionCell.name("Horten", CategoryLabel(name: "Horten"))),
        ("Våler (Østfold)", RegionCell.name("Våler (Østfold)", CategoryLabel(name: "Våler (Østfold)"))),
        ("0701 Horten (-2019)", RegionCell.code("0701", CategoryLabel(name: "Horten", validTo: 2019))),
        ("3001 Halden (2020-2023)", RegionCell.code("3001", CategoryLabel(name: "Halden", validFrom: 2020, validTo: 2023))),
        ("3801 Horten (f.o.m. 2020)", RegionCell.code("3801", CategoryLabel(name: "Horten", validFrom: 2020))),
        ("0701 Horten (t.o.m. 2019)", RegionCell.code("0701", CategoryLabel(name: "Horten", validTo: 2019))),
        ("301", RegionCell.lostLeadingZero(found: "301", likely: "0301")),
        ("3", RegionCell.lostLeadingZero(found: "3", likely: "03")),
        ("0301", RegionCell.code("0301", nil)),
        ("EAK Landet", RegionCell.code("EAK", CategoryLabel(name: "Landet"))),
        ("XYZ Atlantis", RegionCell.code("XYZ", CategoryLabel(name: "Atlantis"))),
        (":", RegionCell.code(":", nil))
    ])
    func regionCellsAreReadAsPeopleWriteThem(_ c: (String, RegionCell)) {
        #expect(RegionCell.read(c.0) == c.1)
    }

    /// A small catalogue: Horten is 0701 until 2019 and 3801 from 2020; Våler is two places.
    static let resolver: NameResolver = { name, year in
        switch (name, year) {
        case ("Horten", ...2019): return .success("0701")
        case ("Horten", 2020...): return .success("3801")
        case ("Våler", _):
            return .failure(NameLookupError(name: name, year: year, nearMatches: ["3018 Våler", "3419 Våler"], ambiguous: true))
        default: return .failure(NameLookupError(name: name, year: year, nearMatches: name.hasPrefix("Hort") ? ["Horten (3801)"] : []))
        }
    }

    @Test func namesAreMatchedToCodesThroughTheCatalogueAndTheYear() throws {
        let text = """
            \(Self.title);;;
            ;;;
            ;Barn 6-15 år i kulturskolen (prosent);;
            ;2019;2020;2021
            Horten;6,2;5,1;4,9
            Våler;1;2;3
            Hortn;1;2;3
            """
        var options = CSVOptions(displayName: "names.csv")
        options.resolveName = Self.resolver
        let (_, sink) = try read(text, options: options)
        #expect(
            sink.rows.sorted() == [
                "geo=0701,metric=Barn 6-15 år i kulturskolen (prosent),time=2019|6.2|",
                "geo=3801,metric=Barn 6-15 år i kulturskolen (prosent),time=2020|5.1|",
                "geo=3801,metric=Barn 6-15 år i kulturskolen (prosent),time=2021|4.9|"
            ])
        let messages = Set(sink.rejects.map { "\($0.location): \($0.message)" })
        #expect(
            messages.contains(
                "names.csv:6:1: region name \"Våler\" is ambiguous in 2019: it names 3018 Våler and 3419 Våler; write the code with the name (\"3018 Våler\")"
            ))
        #expect(messages.contains("names.csv:7:1: unknown municipality name \"Hortn\" in 2019; did you mean: Horten (3801)?"))
    }

    @Test func namesInTheLongLayoutUseTheRowsYear() throws {
        let text = "\"region\";\"år\";\"Plasser\"\n\"Horten\";\"2019\";1\n\"Horten\";\"2020\";2\n\"3801 Horten\";\"2021\";3\n"
        var options = CSVOptions(displayName: "long.csv")
        options.resolveName = Self.resolver
        let (_, sink) = try read(text, options: options)
        #expect(sink.rows.sorted() == ["geo=0701,time=2019|1.0|", "geo=3801,time=2020|2.0|", "geo=3801,time=2021|3.0|"])
        #expect(sink.rejects.isEmpty)
    }

    /// Found by the CSV fuzzer (Fuzz/regressions/csv/): a region name in a wide file, whose years
    /// are column headings, looked for the year in a column the row does not have and trapped.
    @Test func aRegionNameInAWideFileIsRefusedNotACrash() throws {
        let text =
            "\"region\",\"statistikkvariabel\",\"Andel (prosent) 2019\",\"Andel (prosent) 2021\"\n\"Oslo\",\"KOShjtj\",29.5,31.25\n\"0301 Oslo\",\"KOShjtj\",1,2\n"
        var options = CSVOptions(displayName: "wide.csv")
        options.resolveName = Self.resolver
        let (dialect, sink) = try read(text, options: options)
        #expect(dialect.layout == .wide)
        #expect(sink.rows.count == 2)
        #expect(
            sink.rejects.map { "\($0.location): \($0.message)" } == [
                "wide.csv:2:1: region name \"Oslo\" without a code cannot be matched in a file whose years are column headings; write the code with the name (\"0301 Oslo\")"
            ])
        // The fuzzer's own input reads to an end, whatever it rejects.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let original = root.appendingPathComponent("Fuzz/regressions/csv/wide-layout-region-name-fuzzer-original.csv")
        var fuzzOptions = CSVOptions(delimiter: 0x2C, decimalComma: true, encoding: .utf8, roles: ["region": .geo], displayName: "fuzz.csv")
        fuzzOptions.leadingZeros = .restore
        fuzzOptions.resolveName = Self.resolver
        var counting = DialectSink()
        try? CSVReader(path: original.path, options: fuzzOptions).read(into: &counting)
    }

    @Test func lostLeadingZerosAreRestoredOnlyWhenAsked() throws {
        let text = "\"region\";\"år\";\"Plasser\"\n301;2019;1\n3801;2019;2\n"
        let (_, strict) = try read(text, options: CSVOptions(displayName: "zeros.csv"))
        #expect(strict.rows == ["geo=3801,time=2019|2.0|"])
        #expect(strict.rejects.map(\.location.description) == ["zeros.csv:2:1"])
        #expect(strict.rejects.first?.message.contains("did you mean \"0301\"?") == true)
        var options = CSVOptions(displayName: "zeros.csv")
        options.leadingZeros = .restore
        let (_, restored) = try read(text, options: options)
        #expect(restored.rows.sorted() == ["geo=0301,time=2019|1.0|", "geo=3801,time=2019|2.0|"])
        #expect(restored.rejects.isEmpty)
    }
}
