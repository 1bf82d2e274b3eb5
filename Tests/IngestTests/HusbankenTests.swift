import Foundation
import Testing
import TestSupport
@testable import Ingest

// MARK: - Helpers

private func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// A cell of a hand-made workbook.
private enum XCell {
    case shared(String)
    case inline(String)
    case number(String)
    case bool(Bool)
    case none
}

private func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// Sheet XML and the shared-string table for rows of cells (row numbers from `firstRow`).
private func sheetXML(_ rows: [[XCell]], firstRow: Int = 1) -> (sheet: String, shared: [String]) {
    var shared: [String] = []
    var index: [String: Int] = [:]
    var s = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    s += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
    s += #"<dimension ref="A1:G9"/><sheetData>"#
    for (k, row) in rows.enumerated() {
        let r = firstRow + k
        s += #"<row r="\#(r)" spans="1:7">"#
        for (c, cell) in row.enumerated() {
            let ref = XLSXSheetReader.columnLetters(c) + String(r)
            switch cell {
            case .shared(let t):
                let i = index[t] ?? { shared.append(t); index[t] = shared.count - 1; return shared.count - 1 }()
                s += #"<c r="\#(ref)" s="1" t="s"><v>\#(i)</v></c>"#
            case .inline(let t):
                s += #"<c r="\#(ref)" t="inlineStr"><is><t xml:space="preserve">\#(xmlEscape(t))</t></is></c>"#
            case .number(let n):
                s += #"<c r="\#(ref)" s="2"><v>\#(n)</v></c>"#
            case .bool(let b):
                s += #"<c r="\#(ref)" t="b"><v>\#(b ? 1 : 0)</v></c>"#
            case .none:
                // A formatted cell without a value.
                s += #"<c r="\#(ref)" s="3"/>"#
            }
        }
        s += "</row>"
    }
    s += "</sheetData></worksheet>"
    return (s, shared)
}

private func sharedStringsXML(_ strings: [String]) -> String {
    var s = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    s += #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(strings.count)" uniqueCount="\#(strings.count)">"#
    for t in strings { s += "<si><t>\(xmlEscape(t))</t></si>" }
    return s + "</sst>"
}

/// The entries of an archive to write, in order.
private typealias ZipItems = [(path: String, data: [UInt8])]

/// Writes a minimal workbook: [Content_Types].xml, xl/workbook.xml, its relationships,
/// xl/sharedStrings.xml and xl/worksheets/sheet1.xml (or `sheet` as given).
private func writeWorkbook(_ url: URL, sheetName: String = "Ark1", sheet: String, shared: [String],
                           extra: (inout ZipItems) throws -> Void = { _ in }) throws {
    var items: ZipItems = []
    let contentTypes = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>
    """
    let rootRels = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
    """
    let workbook = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="\(xmlEscape(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
    """
    let workbookRels = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>
    """
    items.append((path: "[Content_Types].xml", data: Array(contentTypes.utf8)))
    items.append((path: "_rels/.rels", data: Array(rootRels.utf8)))
    items.append((path: "xl/workbook.xml", data: Array(workbook.utf8)))
    items.append((path: "xl/_rels/workbook.xml.rels", data: Array(workbookRels.utf8)))
    items.append((path: "xl/sharedStrings.xml", data: Array(sharedStringsXML(shared).utf8)))
    items.append((path: "xl/worksheets/sheet1.xml", data: Array(sheet.utf8)))
    try extra(&items)
    try ZipWriter.write(items, to: url.path, compress: true)
}

private func writeWorkbook(_ url: URL, rows: [[XCell]], sheetName: String = "Ark1") throws {
    let (sheet, shared) = sheetXML(rows)
    try writeWorkbook(url, sheetName: sheetName, sheet: sheet, shared: shared)
}

/// The message of the ReadError `body` throws.
private func readError(_ body: () throws -> Void) -> ReadError? {
    do { try body() } catch let e as ReadError { return e } catch {
        Issue.record("expected a ReadError, got \(error)")
        return nil
    }
    Issue.record("expected a ReadError, got none")
    return nil
}

private let fullMapping = HusbankenMapping(municipality: "Kommune", year: "År", kind: "Type", stage: "Status",
                                           purpose: "Formål", places: "Antall plasser", amount: "Tilskudd (kr)")

private let header = ["Kommune", "År", "Type", "Status", "Formål", "Antall plasser", "Tilskudd (kr)"]

/// The sample export as CSV text: a title line, the header, and five rows.
private let sampleCSV = """
Investeringstilskudd fra Husbanken 2021–2024
Kommune;År;Type;Status;Formål;Antall plasser;Tilskudd (kr)
3118 Indre Østfold;2021;Sykehjemsplass;Tilsagn;Netto tilvekst;12;22 440 000
3118 Indre Østfold;2021;Omsorgsbolig;Utbetalt;Fornyelse;8;"1\u{A0}870\u{A0}000"
0301;2022;sykehjem;utbetaling;Netto tilvekst;40;74 800 000
1508 Ålesund;2024;Omsorgsboliger;tilsagn;;5;1 634 600,50
1508 Ålesund;2024;OMSORGSBOLIG;Utbetalt;post 63;3;:

"""

/// The same export as spreadsheet rows: numbers as numbers, 0301 as Excel keeps it (301).
private let sampleRows: [[XCell]] = [
    [.shared("Investeringstilskudd fra Husbanken 2021–2024")],
    header.map { .shared($0) },
    [.shared("3118 Indre Østfold"), .number("2021"), .shared("Sykehjemsplass"), .shared("Tilsagn"), .shared("Netto tilvekst"), .number("12"), .number("22440000")],
    [.shared("3118 Indre Østfold"), .number("2021"), .shared("Omsorgsbolig"), .shared("Utbetalt"), .shared("Fornyelse"), .number("8"), .inline("1 870 000")],
    [.number("301"), .number("2022"), .shared("sykehjem"), .shared("utbetaling"), .shared("Netto tilvekst"), .number("40"), .number("74800000")],
    [.shared("1508 Ålesund"), .number("2024"), .shared("Omsorgsboliger"), .shared("tilsagn"), .none, .number("5"), .number("1634600.5")],
    [.shared("1508 Ålesund"), .number("2024"), .shared("OMSORGSBOLIG"), .shared("Utbetalt"), .shared("post 63"), .number("3"), .inline(":")],
]

private let expectedValues = [
    "3118|2021|sykehjem|tilsagn|netto_tilvekst|plasser=12.0/",
    "3118|2021|sykehjem|tilsagn|netto_tilvekst|tilskudd_kr=22440000.0/",
    "3118|2021|omsorgsbolig|utbetalt|fornyelse|plasser=8.0/",
    "3118|2021|omsorgsbolig|utbetalt|fornyelse|tilskudd_kr=1870000.0/",
    "0301|2022|sykehjem|utbetalt|netto_tilvekst|plasser=40.0/",
    "0301|2022|sykehjem|utbetalt|netto_tilvekst|tilskudd_kr=74800000.0/",
    "1508|2024|omsorgsbolig|tilsagn|ukjent|plasser=5.0/",
    "1508|2024|omsorgsbolig|tilsagn|ukjent|tilskudd_kr=1634600.5/",
    "1508|2024|omsorgsbolig|utbetalt|fornyelse|plasser=3.0/",
    "1508|2024|omsorgsbolig|utbetalt|fornyelse|tilskudd_kr=nil/:",
]

// MARK: - Husbanken

@Suite("Husbanken investment-grant exports")
struct HusbankenTests {
    @Test func csvAndXlsxWithTheSameRowsGiveTheSameCells() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let csv = try write(TextEncoding.windows1252.encode(sampleCSV), "tilskudd.csv", in: dir)
        let xlsx = dir.appendingPathComponent("tilskudd.xlsx")
        try writeWorkbook(xlsx, rows: sampleRows)

        var fromCSV = CollectingSink()
        let csvReader = try HusbankenReader(path: csv, mapping: fullMapping, displayName: "tilskudd.csv")
        #expect(csvReader.format == .csv)
        try csvReader.read(into: &fromCSV)
        var fromXLSX = CollectingSink()
        let xlsxReader = try HusbankenReader(path: xlsx.path, mapping: fullMapping, displayName: "tilskudd.xlsx")
        #expect(xlsxReader.format == .xlsx)
        try xlsxReader.read(into: &fromXLSX)

        #expect(fromCSV.rejects.isEmpty)
        #expect(fromXLSX.rejects.isEmpty)
        #expect(fromCSV.values == expectedValues)
        #expect(fromXLSX.values == expectedValues)

        let schema = try #require(fromXLSX.ended.first)
        #expect(schema.dimensions.map(\.id) == ["region", "år", "art", "fase", "formal", "ContentsCode"])
        #expect(schema.dimensions.map(\.role) == [.geo, .time, .other, .other, .other, .metric])
        #expect(schema.dimensions[0].categories["3118"]?.name == "Indre Østfold")
        #expect(schema.dimensions[0].categories["1508"]?.name == "Ålesund")
        #expect(Set(schema.dimensions[1].categories.keys) == ["2021", "2022", "2024"])
        #expect(fromCSV.begun.count == 1 && fromCSV.ended.count == 1)

        // Locations: file:line:column for CSV, sheet row and column letters for .xlsx.
        #expect(fromCSV.cells[1].location.description == "tilskudd.csv:3:7")
        #expect(fromXLSX.cells[1].location.description == "tilskudd.xlsx:Ark1 row 3 column G")
    }

    @Test func windows1252ExportWithSpaceSeparatedThousandsIsRead() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let text = "Kommune;År;Type;Status;Antall plasser;Tilskudd (kr)\r\n3118 Indre Østfold;2021;Sykehjem;Tilsagn;1;1 870 000\r\n3014 Indre Østfold;2020;Omsorgsbolig;Utbetalt;1 002;1\u{A0}530\u{A0}000,5\r\n"
        let bytes = TextEncoding.windows1252.encode(text)
        #expect(bytes.contains(0xD8) && bytes.contains(0xA0))
        let path = try write(bytes, "eksport.csv", in: dir)
        let mapping = HusbankenMapping(municipality: "Kommune", year: "År", kind: "Type", stage: "Status", places: "Antall plasser", amount: "Tilskudd (kr)")
        let reader = try HusbankenReader(path: path, mapping: mapping, displayName: "eksport.csv")
        #expect(reader.encoding == .windows1252)
        var sink = CollectingSink()
        try reader.read(into: &sink)
        #expect(sink.rejects.isEmpty)
        #expect(sink.values == [
            "3118|2021|sykehjem|tilsagn|plasser=1.0/",
            "3118|2021|sykehjem|tilsagn|tilskudd_kr=1870000.0/",
            "3014|2020|omsorgsbolig|utbetalt|plasser=1002.0/",
            "3014|2020|omsorgsbolig|utbetalt|tilskudd_kr=1530000.5/",
        ])
        let schema = try #require(sink.ended.first)
        #expect(schema.dimensions.map(\.id) == ["region", "år", "art", "fase", "ContentsCode"])
        #expect(schema.dimensions[0].categories["3118"]?.name == "Indre Østfold")
        #expect(sink.cells[3].location == SourceLocation(file: "eksport.csv", line: 3, column: 6))

        // The same text as UTF-8 is sniffed as UTF-8.
        let utf8 = try write(Array(text.utf8), "eksport-utf8.csv", in: dir)
        let r2 = try HusbankenReader(path: utf8, mapping: mapping)
        #expect(r2.encoding == .utf8)
        var s2 = CollectingSink()
        try r2.read(into: &s2)
        #expect(s2.values == sink.values)
    }

    @Test func missingMappedColumnIsAFileErrorListingTheColumnsFound() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = try write(TextEncoding.windows1252.encode(sampleCSV), "tilskudd.csv", in: dir)
        var mapping = fullMapping
        mapping.places = "Antall enheter"
        let error = readError {
            var sink = CollectingSink()
            try HusbankenReader(path: path, mapping: mapping, displayName: "tilskudd.csv").read(into: &sink)
        }
        #expect(error?.location == SourceLocation(file: "tilskudd.csv", line: 2))
        #expect(error?.message == #"mapped column "Antall enheter" (places) not in the header; the header (line 2) has columns "Kommune", "År", "Type", "Status", "Formål", "Antall plasser", "Tilskudd (kr)"; fix the column names in the pipeline's husbanken mapping"#)

        // The same in a workbook names the row.
        let xlsx = dir.appendingPathComponent("tilskudd.xlsx")
        try writeWorkbook(xlsx, rows: sampleRows)
        let e2 = readError {
            var sink = CollectingSink()
            try HusbankenReader(path: xlsx.path, mapping: mapping, displayName: "tilskudd.xlsx").read(into: &sink)
        }
        #expect(e2?.description.hasPrefix(#"tilskudd.xlsx:Ark1 row 2: error: mapped column "Antall enheter" (places) not in the header; the header (row 2) has columns "Kommune""#) == true)
    }

    @Test func unknownMunicipalityNameIsRejectedWithNearMatches() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let text = """
        Kommunenavn;År;Type;Fase;Plasser
        Indre Østfold;2021;Sykehjem;Tilsagn;10
        Indre Ostfold;2021;Sykehjem;Utbetalt;4
        Indre Østfold;2024;Omsorgsbolig;Tilsagn;2
        Atlantis;2021;Sykehjem;Tilsagn;1

        """
        let path = try write(TextEncoding.windows1252.encode(text), "navn.csv", in: dir)
        let mapping = HusbankenMapping(municipalityName: "Kommunenavn", year: "År", kind: "Type", stage: "Fase", places: "Plasser")
        let lookup: @Sendable (String, Int) -> Result<String, NameLookupError> = { name, year in
            if name == "Indre Østfold" { return .success(year >= 2024 ? "3118" : "3014") }
            if name.lowercased().hasPrefix("indre") { return .failure(NameLookupError(name: name, year: year, nearMatches: ["Indre Østfold (\(year >= 2024 ? "3118" : "3014"))"])) }
            return .failure(NameLookupError(name: name, year: year))
        }
        let reader = try HusbankenReader(path: path, mapping: mapping, displayName: "navn.csv", resolveName: lookup)
        var sink = CollectingSink()
        try reader.read(into: &sink)
        #expect(sink.values == [
            "3014|2021|sykehjem|tilsagn|plasser=10.0/",
            "3118|2024|omsorgsbolig|tilsagn|plasser=2.0/",
        ])
        #expect(sink.rejects.count == 2)
        #expect(sink.rejects.first?.error.message == #"unknown municipality name "Indre Ostfold" in 2021; did you mean: Indre Østfold (3014)?"#)
        #expect(sink.rejects.first?.error.location == SourceLocation(file: "navn.csv", line: 3, column: 1))
        #expect(sink.rejects.first?.raw == "Indre Ostfold;2021;Sykehjem;Utbetalt;4")
        #expect(sink.rejects.last?.error.message == #"unknown municipality name "Atlantis" in 2021; no similar name is known"#)
        #expect(sink.ended.first?.dimensions[0].categories["3014"]?.name == "Indre Østfold")

        // A name-only mapping without a lookup cannot work and says so up front.
        #expect(throws: ReadError.self) { try HusbankenReader(path: path, mapping: mapping) }
    }

    @Test func unrecognisedKindIsARowRejectNamingColumnLineValueAndAcceptedValues() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let text = """
        Kommune;År;Type;Status;Antall plasser
        3118;2024;Sykehjem;Tilsagn;10
        3118;2024;Barnehage;Tilsagn;3
        3118;2024;Omsorgsbolig;Annullert tilsagn;2
        3118;2024;Omsorgsbolig;Utbetalt;mange
        3118;24;Omsorgsbolig;Utbetalt;1
        Sum;2024;Omsorgsbolig;Utbetalt;16

        """
        let path = try write(Array(text.utf8), "art.csv", in: dir)
        let mapping = HusbankenMapping(municipality: "Kommune", year: "År", kind: "Type", stage: "Status", places: "Antall plasser")
        var sink = CollectingSink()
        try HusbankenReader(path: path, mapping: mapping, displayName: "art.csv").read(into: &sink)
        #expect(sink.values == ["3118|2024|sykehjem|tilsagn|plasser=10.0/"])
        let messages = sink.rejects.map(\.error.description)
        #expect(messages == [
            #"art.csv:3:3: error: column "Type" (kind): "Barnehage" is not a kind of place; expected sykehjem ("Sykehjem", "Sykehjemsplass", …) or omsorgsbolig ("Omsorgsbolig", "Omsorgsboliger", …)"#,
            #"art.csv:4:4: error: column "Status" (stage): "Annullert tilsagn" is not a stage; expected tilsagn ("Tilsagn", "Tilsagt") or utbetalt ("Utbetalt", "Utbetaling")"#,
            #"art.csv:5:5: error: column "Antall plasser" (places): expected a number (decimal comma, thousands separated by spaces, e.g. "1 870 000") or one of the symbols . .. ... : -, found "mange""#,
            #"art.csv:6:2: error: column "År" (year): expected a year (YYYY), found "24""#,
            #"art.csv:7:1: error: column "Kommune" (municipality): "Sum" is a total row, not a municipality; totals are not read"#,
        ])

        // Without a reject handler the first bad row stops the read.
        let error = readError {
            var strict = CountingSink()
            try HusbankenReader(path: path, mapping: mapping, displayName: "art.csv").read(into: &strict)
        }
        #expect(error?.location == SourceLocation(file: "art.csv", line: 3, column: 3))
    }

    @Test(arguments: [
        ("Sykehjem", "sykehjem"), ("sykehjemsplass", "sykehjem"), ("Sykehjemsplasser", "sykehjem"),
        ("Omsorgsbolig", "omsorgsbolig"), ("omsorgsboliger", "omsorgsbolig"), ("OMSORGSBOLIG ", "omsorgsbolig"),
    ])
    func kindSpellingsNormalise(_ text: String, _ expected: String) {
        #expect(HusbankenRowBuilder.normaliseKind(text) == expected)
    }

    @Test(arguments: [
        ("Tilsagn", "tilsagn"), ("tilsagt", "tilsagn"), ("Utbetalt", "utbetalt"), ("Utbetaling", "utbetalt"),
        ("utbetalinger", "utbetalt"), ("Annullert tilsagn", nil), ("", nil), ("Søknad", nil),
    ] as [(String, String?)])
    func stageSpellingsNormalise(_ text: String, _ expected: String?) {
        #expect(HusbankenRowBuilder.normaliseStage(text) == expected)
    }

    @Test(arguments: [
        ("Netto tilvekst", "netto_tilvekst"), ("post 69", "netto_tilvekst"), ("Fornyelse", "fornyelse"),
        ("Fornyelse/renovering", "fornyelse"), ("Renovering", "fornyelse"), ("", "ukjent"), ("Ukjent", "ukjent"), ("Annet", nil),
    ] as [(String, String?)])
    func purposeSpellingsNormalise(_ text: String, _ expected: String?) {
        #expect(HusbankenRowBuilder.normalisePurpose(text) == expected)
    }

    @Test func municipalityNumbersWithNamesAndLostLeadingZeros() {
        #expect(HusbankenRowBuilder.parseMunicipality("3118")?.code == "3118")
        #expect(HusbankenRowBuilder.parseMunicipality("3118 Indre Østfold")?.label?.name == "Indre Østfold")
        #expect(HusbankenRowBuilder.parseMunicipality("0301 - Oslo")?.code == "0301")
        #expect(HusbankenRowBuilder.parseMunicipality("301")?.code == "0301")
        #expect(HusbankenRowBuilder.parseMunicipality("31180") == nil)
        #expect(HusbankenRowBuilder.parseMunicipality("Oslo") == nil)
        #expect(HusbankenRowBuilder.parseYear("2021", numeric: false) == 2021)
        #expect(HusbankenRowBuilder.parseYear("2021-03-15", numeric: false) == 2021)
        #expect(HusbankenRowBuilder.parseYear("15.03.2021", numeric: false) == 2021)
        #expect(HusbankenRowBuilder.parseYear("2021.0", numeric: true) == 2021)
        #expect(HusbankenRowBuilder.parseYear("21", numeric: false) == nil)
    }

    @Test func mappingDecodesFromSnakeCaseKeys() throws {
        let json = #"{"municipality_name":"Kommunenavn","year":"År","kind":"Type","stage":"Status","places":"Plasser","amount":"Kroner"}"#
        let m = try JSONDecoder().decode(HusbankenMapping.self, from: Data(json.utf8))
        #expect(m == HusbankenMapping(municipalityName: "Kommunenavn", year: "År", kind: "Type", stage: "Status", places: "Plasser", amount: "Kroner"))
        let back = try JSONDecoder().decode(HusbankenMapping.self, from: JSONEncoder().encode(m))
        #expect(back == m)
    }
}

// MARK: - XLSX

@Suite("XLSX sheet reader")
struct XLSXTests {
    @Test func rowsArePlacedByColumnLettersWithEveryCellKind() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let sheet = """
        <?xml version="1.0" encoding="UTF-8"?>
        <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
        <x:row r="2"><x:c r="B2" t="s"><x:v>1</x:v></x:c><x:c r="D2"><x:v>1634.5999999999999</x:v></x:c></x:row>
        <x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:r><x:t>Røros</x:t></x:r><x:r><x:t xml:space="preserve"> - Rosse</x:t></x:r></x:is></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c r="AA5" t="str"><x:f>A5</x:f><x:v>a &amp; b</x:v></x:c></x:row>
        <x:row r="6"><x:c r="C6" s="4"/></x:row>
        <x:row><x:c r="A7" t="e"><x:v>#N/A</x:v></x:c></x:row>
        </x:sheetData></x:worksheet>
        """
        let shared = ["zero", "Ålesund"]
        let url = dir.appendingPathComponent("cells.xlsx")
        try writeWorkbook(url, sheetName: "Data & tall", sheet: sheet, shared: shared)
        let reader = try XLSXSheetReader(path: url.path, displayName: "cells.xlsx")
        #expect(reader.sheetName == "Data & tall")
        #expect(reader.sheetEntry == "xl/worksheets/sheet1.xml")
        var rows: [XLSXRow] = []
        try reader.forEachRow { rows.append($0) }
        #expect(rows.map(\.number) == [2, 5, 7])
        #expect(rows[0].values == ["", "Ålesund", "", "1634.5999999999999"])
        #expect(rows[0].kinds == [.empty, .string, .empty, .number])
        #expect(rows[1].values.count == 27)
        #expect(rows[1].values[0] == "Røros - Rosse")
        #expect(rows[1].values[1] == "TRUE")
        #expect(rows[1].values[26] == "a & b")
        #expect(rows[2].values == ["#N/A"])
        #expect(rows[2].kinds == [.error])
    }

    @Test func columnLettersRoundTrip() {
        #expect(XLSXSheetReader.columnIndex(of: "C12") == 2)
        #expect(XLSXSheetReader.columnIndex(of: "AA1") == 26)
        #expect(XLSXSheetReader.columnIndex(of: "XFD1048576") == 16_383)
        #expect(XLSXSheetReader.columnIndex(of: "XFE1") == nil)
        #expect(XLSXSheetReader.columnIndex(of: "ABCD1") == nil)
        #expect(XLSXSheetReader.columnIndex(of: "12") == nil)
        for i in [0, 25, 26, 701, 702, 16_383] {
            #expect(XLSXSheetReader.columnIndex(of: XLSXSheetReader.columnLetters(i) + "1") == i)
        }
    }

    @Test func unknownSheetNameListsTheSheets() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("book.xlsx")
        try writeWorkbook(url, rows: sampleRows, sheetName: "Tilsagn")
        #expect(try XLSXSheetReader(path: url.path, sheet: "tilsagn").sheetName == "Tilsagn")
        let error = readError { _ = try XLSXSheetReader(path: url.path, sheet: "Utbetalt", displayName: "book.xlsx") }
        #expect(error?.description == #"book.xlsx: error: no sheet named "Utbetalt"; the workbook has "Tilsagn""#)
    }

    @Test func aFileThatIsNotAZipArchiveIsRefusedClearly() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let notZip = try write(Array("Kommune;År\n".utf8), "book.xlsx", in: dir)
        let e1 = readError { _ = try XLSXSheetReader(path: notZip, displayName: "book.xlsx") }
        #expect(e1?.message.hasPrefix("not an .xlsx workbook") == true)
        let truncated = try write([0x50, 0x4B, 0x03, 0x04, 0, 0, 0], "cut.xlsx", in: dir)
        let e2 = readError { _ = try XLSXSheetReader(path: truncated, displayName: "cut.xlsx") }
        #expect(e2?.message.hasPrefix("not a readable .xlsx workbook") == true)
    }

    @Test func zipBombIsRefusedByItsCompressionRatio() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("bomb.xlsx")
        let size = 64 << 20
        try writeWorkbook(url, sheet: "<worksheet/>", shared: []) { items in
            // 64 MB of zeros deflate to about 64 kB, a ratio near 1000:1.
            items.append((path: "xl/worksheets/sheet2.xml", data: [UInt8](repeating: 0, count: size)))
        }
        let compressed = try #require(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(compressed < 1 << 20)
        // Point the workbook at the bomb by asking for its conventional name: rewrite as sheet 2.
        let reader = try XLSXSheetReaderProbe.reader(url, entry: "xl/worksheets/sheet2.xml")
        let error = readError { try reader.stream() }
        #expect(error?.location == SourceLocation(file: "bomb.xlsx", path: "xl/worksheets/sheet2.xml"))
        #expect(error?.message.contains("compression ratio") == true)
        #expect(error?.message.contains("zip bomb") == true)
    }

    @Test func entryThatInflatesPastItsDeclaredSizeIsStoppedEarly() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("liar.xlsx")
        let size = 16 << 20
        try writeWorkbook(url, sheet: "<worksheet/>", shared: []) { items in
            items.append((path: "xl/worksheets/sheet2.xml", data: [UInt8](repeating: 0, count: size)))
        }
        // The headers now claim 1000 bytes: neither the size nor the ratio check can see the bomb.
        try patchDeclaredSize(url, entry: "xl/worksheets/sheet2.xml", to: 1000)
        let reader = try XLSXSheetReaderProbe.reader(url, entry: "xl/worksheets/sheet2.xml")
        var seen = 0
        let error = readError { try reader.stream { seen += $0 } }
        #expect(error?.message.hasPrefix("the entry inflates to more than the 1000 bytes its header declares") == true)
        // Stopped after the first chunk, not after 16 MB.
        #expect(seen == 0)
    }

    @Test func totalInflatedSizeIsBounded() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("big.xlsx")
        try writeWorkbook(url, rows: sampleRows)
        let limits = XLSXLimits(maxUncompressedBytes: 2_000)
        let error = readError {
            let reader = try XLSXSheetReader(path: url.path, displayName: "big.xlsx", limits: limits)
            try reader.forEachRow { _ in }
        }
        #expect(error?.message.contains("more than the 2000 bytes a workbook may inflate to") == true)
    }

    @Test(arguments: ["../evil.xml", "xl/../../evil.xml", "/etc/passwd", "xl\\..\\..\\evil.xml", "C:/evil.xml"])
    func entryPathEscapingTheArchiveIsRefused(_ path: String) throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("escape.xlsx")
        try writeWorkbook(url, sheet: sheetXML(sampleRows).sheet, shared: sheetXML(sampleRows).shared) { items in
            items.append((path: path, data: Array("x".utf8)))
        }
        let error = readError {
            var sink = CollectingSink()
            try HusbankenReader(path: url.path, mapping: fullMapping, displayName: "escape.xlsx").read(into: &sink)
        }
        #expect(error?.location == SourceLocation(file: "escape.xlsx", path: path))
        #expect(error?.message.hasPrefix("entry path \"\(path)\"") == true)
        #expect(error?.message.hasSuffix("refusing the workbook (entries must stay inside the archive)") == true)
    }

    @Test(arguments: [
        #"<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
        #"<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>"#,
        #"<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">"#,
    ])
    func doctypeInSheetXMLIsRefused(_ doctype: String) throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("xxe.xlsx")
        let sheet = """
        <?xml version="1.0" encoding="UTF-8"?>
        \(doctype)
        <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Kommune</t></is></c></row></sheetData></worksheet>
        """
        try writeWorkbook(url, sheet: sheet, shared: [])
        let reader = try XLSXSheetReader(path: url.path, displayName: "xxe.xlsx")
        var rows = 0
        let error = readError { try reader.forEachRow { _ in rows += 1 } }
        #expect(rows == 0)
        #expect(error?.location.file == "xxe.xlsx")
        #expect(error?.location.path?.hasPrefix("xl/worksheets/sheet1.xml line 2") == true)
        #expect(error?.message.hasPrefix("a DOCTYPE declaration (<!DOCTYPE worksheet …>) is not allowed in an .xlsx worksheet") == true)
    }

    @Test func malformedSheetXMLNamesTheEntryAndLine() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("bad.xlsx")
        try writeWorkbook(url, sheet: "<worksheet><sheetData>\n<row r=\"1\"><c r=\"A1\"><v>1</v></row></sheetData></worksheet>", shared: [])
        let reader = try XLSXSheetReader(path: url.path, displayName: "bad.xlsx")
        let error = readError { try reader.forEachRow { _ in } }
        #expect(error?.location.path?.hasPrefix("xl/worksheets/sheet1.xml line 2") == true)
        #expect(error?.message.hasPrefix("malformed XML in an .xlsx worksheet:") == true)
    }

    @Test func sharedStringIndexOutOfRangeNamesTheCell() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("ss.xlsx")
        try writeWorkbook(url, sheet: #"<worksheet><sheetData><row r="4"><c r="B4" t="s"><v>7</v></c></row></sheetData></worksheet>"#, shared: ["a"])
        let reader = try XLSXSheetReader(path: url.path, displayName: "ss.xlsx")
        let error = readError { try reader.forEachRow { _ in } }
        #expect(error?.description == #"ss.xlsx:Ark1 row 4 column B: error: shared string index "7" is not in the shared-strings table (1 strings)"#)
    }
}

/// Reaches the entry streaming of a workbook for an entry no sheet points at.
private struct XLSXSheetReaderProbe {
    let archive: ZipArchive
    let entry: ZipEntry
    let file: String

    static func reader(_ url: URL, entry name: String) throws -> XLSXSheetReaderProbe {
        _ = try XLSXSheetReader(path: url.path, displayName: url.lastPathComponent)
        let archive = try ZipArchive(path: url.path, displayName: url.lastPathComponent)
        let entry = try #require(archive[name])
        return XLSXSheetReaderProbe(archive: archive, entry: entry, file: url.lastPathComponent)
    }

    func stream(_ body: (Int) -> Void = { _ in }) throws {
        var budget = XLSXBudget(limits: XLSXLimits())
        try XLSXSheetReader.stream(archive: archive, entry: entry, file: file, budget: &budget) { body($0.count) }
    }
}

/// Rewrites the uncompressed size an entry's local and central headers declare.
private func patchDeclaredSize(_ url: URL, entry: String, to size: UInt32) throws {
    var d = [UInt8](try Data(contentsOf: url))
    let name = Array(entry.utf8)
    func put(_ at: Int) {
        for k in 0..<4 { d[at + k] = UInt8((size >> (8 * UInt32(k))) & 0xFF) }
    }
    var patched = 0
    var i = 0
    while i + 46 + name.count <= d.count {
        if d[i] == 0x50, d[i + 1] == 0x4B {
            if d[i + 2] == 3, d[i + 3] == 4, Array(d[(i + 30)..<(i + 30 + name.count)]) == name { put(i + 22); patched += 1 }
            if d[i + 2] == 1, d[i + 3] == 2, Array(d[(i + 46)..<(i + 46 + name.count)]) == name { put(i + 24); patched += 1 }
        }
        i += 1
    }
    #expect(patched == 2)
    try Data(d).write(to: url)
}

// MARK: - ZIP archives

/// Offset of the central-directory (`central: true`) or local header of the entry `name`.
private func zipHeaderOffset(_ d: [UInt8], _ name: String, central: Bool) -> Int? {
    let n = Array(name.utf8)
    let fixed = central ? 46 : 30
    var i = 0
    while i + fixed + n.count <= d.count {
        if d[i] == 0x50, d[i + 1] == 0x4B, d[i + 2] == (central ? 1 : 3), d[i + 3] == (central ? 2 : 4),
           Array(d[(i + fixed)..<(i + fixed + n.count)]) == n {
            return i
        }
        i += 1
    }
    return nil
}

private func put16(_ d: inout [UInt8], _ at: Int, _ v: UInt16) {
    d[at] = UInt8(v & 0xFF); d[at + 1] = UInt8(v >> 8)
}

private func put32(_ d: inout [UInt8], _ at: Int, _ v: UInt32) {
    for k in 0..<4 { d[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }
}

/// Reads the archive's bytes, lets `patch` change them, and writes them back.
private func patchFile(_ path: String, _ patch: (inout [UInt8]) throws -> Void) throws {
    var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    try patch(&d)
    try Data(d).write(to: URL(fileURLWithPath: path))
}

/// Deterministic bytes that do not compress.
private func noise(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: x >> 33)
    }
}

/// The whole entry, with the size of every chunk `extract` delivered.
private func extractAll(_ archive: ZipArchive, _ entry: ZipEntry, chunkSize: Int = 64 << 10) throws -> (data: [UInt8], chunks: [Int]) {
    var data: [UInt8] = []
    var chunks: [Int] = []
    try archive.extract(entry, chunkSize: chunkSize) { chunk in
        data.append(contentsOf: chunk)
        chunks.append(chunk.count)
    }
    return (data, chunks)
}

private let zipSample: ZipItems = [
    (path: "hello.txt", data: Array("Hei, verden! Hei, verden! Hei, verden!\n".utf8)),
    (path: "empty.txt", data: []),
    (path: "dir/", data: []),
    (path: "dir/noise.bin", data: noise(300_000)),
    (path: "dir/zeros.bin", data: [UInt8](repeating: 0, count: 200_000)),
    (path: "æøå/Ålesund.xml", data: Array("<a>Ålesund</a>".utf8)),
]

@Suite("ZIP archive reader and writer")
struct ZipArchiveTests {
    @Test(arguments: [false, true])
    func storedAndDeflatedEntriesRoundTrip(_ compress: Bool) throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("round.zip").path
        try ZipWriter.write(zipSample, to: path, compress: compress)
        let archive = try ZipArchive(path: path, displayName: "round.zip")
        #expect(archive.entries.map(\.path) == zipSample.map(\.path))
        #expect(archive.entries.allSatisfy { $0.method == (compress ? ZipEntry.deflated : ZipEntry.stored) })
        #expect(archive.entries.map(\.uncompressedSize) == zipSample.map { UInt64($0.data.count) })
        #expect(archive.entries.map(\.isDirectory) == [false, false, true, false, false, false])
        #expect(archive.entries.allSatisfy { !$0.isSymbolicLink })
        #expect(archive["missing"] == nil)
        let zeros = try #require(archive["dir/zeros.bin"])
        if compress {
            #expect(zeros.compressedSize < 1_000)
        } else {
            #expect(zeros.compressedSize == zeros.uncompressedSize)
        }
        for item in zipSample {
            let entry = try #require(archive[item.path])
            // Small chunks exercise the chunk loop; the default reads in one or a few.
            for chunkSize in [1_000, 64 << 10] {
                let (data, chunks) = try extractAll(archive, entry, chunkSize: chunkSize)
                #expect(data == item.data, "\(item.path) with chunks of \(chunkSize)")
                #expect(chunks.allSatisfy { $0 > 0 && $0 <= chunkSize })
                #expect(chunks.count >= item.data.count / chunkSize)
            }
        }
    }

    @Test func crcIsZlibsCRC32() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("crc.zip").path
        try ZipWriter.write([(path: "check", data: Array("123456789".utf8))], to: path, compress: false)
        // The CRC-32 check value of "123456789".
        #expect(try ZipArchive(path: path).entries.first?.crc32 == 0xCBF4_3926)
    }

    @Test func emptyArchiveHasNoEntries() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("empty.zip").path
        try ZipWriter.write([], to: path, compress: true)
        #expect(ChunkedFile.size(path: path) == 22)
        let archive = try ZipArchive(path: path)
        #expect(archive.entries.isEmpty)
        #expect(archive.fileSize == 22)
        // As a workbook it is a ZIP archive without xl/workbook.xml.
        let error = readError { _ = try XLSXSheetReader(path: path, displayName: "empty.xlsx") }
        #expect(error?.message == "not an Excel workbook: no xl/workbook.xml in the archive; found no entries")
    }

    @Test func truncatedArchiveIsAClearError() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("cut.zip").path
        try ZipWriter.write(zipSample, to: path, compress: true)
        // Cut in the middle: the end of central directory record is gone.
        try patchFile(path) { d in d.removeLast(d.count / 2) }
        let e1 = readError { _ = try ZipArchive(path: path, displayName: "cut.zip") }
        #expect(e1?.location == SourceLocation(file: "cut.zip"))
        #expect(e1?.message.hasPrefix("not a ZIP archive: no end of central directory record") == true)
        #expect(e1?.message.contains("truncated") == true)

        // A deflate stream cut short (the header declares fewer compressed bytes than it needs).
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in
            let c = try #require(zipHeaderOffset(d, "dir/noise.bin", central: true))
            let size = UInt32(d[c + 20]) | UInt32(d[c + 21]) << 8 | UInt32(d[c + 22]) << 16 | UInt32(d[c + 23]) << 24
            put32(&d, c + 20, size / 2)
        }
        let archive = try ZipArchive(path: path, displayName: "cut.zip")
        let e2 = readError { _ = try extractAll(archive, try #require(archive["dir/noise.bin"])) }
        #expect(e2?.location == SourceLocation(file: "cut.zip", path: "dir/noise.bin"))
        #expect(e2?.message.hasPrefix("corrupt entry: the deflate stream is truncated") == true)
        // The other entries still read.
        #expect(try extractAll(archive, try #require(archive["hello.txt"])).data == zipSample[0].data)

        // The central directory runs past the end of the file.
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in put32(&d, d.count - 22 + 12, 1 << 20) }
        let e3 = readError { _ = try ZipArchive(path: path, displayName: "cut.zip") }
        #expect(e3?.message.hasPrefix("damaged ZIP archive: the central directory") == true)
    }

    @Test(arguments: [false, true])
    func corruptCRCIsAClearError(_ compress: Bool) throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("crc.zip").path
        try ZipWriter.write(zipSample, to: path, compress: compress)
        try patchFile(path) { d in
            let c = try #require(zipHeaderOffset(d, "hello.txt", central: true))
            put32(&d, c + 16, 0xDEAD_BEEF)
        }
        let archive = try ZipArchive(path: path, displayName: "crc.zip")
        var delivered = 0
        let error = readError { try archive.extract(try #require(archive["hello.txt"])) { delivered += $0.count } }
        #expect(error?.location == SourceLocation(file: "crc.zip", path: "hello.txt"))
        #expect(error?.message.hasPrefix("corrupt entry: the CRC-32 of the inflated bytes") == true)
        #expect(error?.message.contains("0xdeadbeef") == true)
        #expect(delivered == zipSample[0].data.count)

        // A damaged byte of stored data fails the CRC; of deflated data, the CRC or the stream.
        try ZipWriter.write(zipSample, to: path, compress: compress)
        try patchFile(path) { d in
            let l = try #require(zipHeaderOffset(d, "dir/noise.bin", central: false))
            d[l + 30 + "dir/noise.bin".utf8.count + 1_000] ^= 0x55
        }
        let damaged = try ZipArchive(path: path, displayName: "crc.zip")
        let e2 = readError { _ = try extractAll(damaged, try #require(damaged["dir/noise.bin"])) }
        #expect(e2?.message.hasPrefix("corrupt entry") == true)
        if !compress { #expect(e2?.message.hasPrefix("corrupt entry: the CRC-32") == true) }
    }

    @Test func crcMismatchInAWorkbookKeepsItsMessage() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("crc.xlsx")
        try writeWorkbook(url, rows: sampleRows)
        try patchFile(url.path) { d in
            let c = try #require(zipHeaderOffset(d, "xl/worksheets/sheet1.xml", central: true))
            d[c + 16] ^= 0x01
        }
        let reader = try XLSXSheetReader(path: url.path, displayName: "crc.xlsx")
        let error = readError { try reader.forEachRow { _ in } }
        #expect(error?.description == "crc.xlsx:xl/worksheets/sheet1.xml: error: the entry's CRC-32 does not match its header; the archive is damaged")
    }

    @Test func declaredSizeMismatchIsACorruptEntry() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("size.zip").path
        for (declared, prefix) in [(UInt32(250_000), "corrupt entry: it inflates to 200000 bytes, its header declares 250000"),
                                   (UInt32(150_000), "corrupt entry: it inflates past the 150000 bytes its header declares")] {
            try ZipWriter.write(zipSample, to: path, compress: true)
            try patchFile(path) { d in
                let c = try #require(zipHeaderOffset(d, "dir/zeros.bin", central: true))
                put32(&d, c + 24, declared)
            }
            let archive = try ZipArchive(path: path, displayName: "size.zip")
            var delivered = 0
            let error = readError { try archive.extract(try #require(archive["dir/zeros.bin"]), chunkSize: 10_000) { delivered += $0.count } }
            #expect(error?.message == prefix)
            // Never more than one byte past the declared size is inflated.
            #expect(delivered <= Int(declared) + 1)
        }
    }

    @Test func zip64MarkersAreRefused() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("z64.zip").path
        let patches: [(String, (inout [UInt8]) throws -> Void)] = [
            ("compressed size", { d in put32(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 20, 0xFFFF_FFFF) }),
            ("uncompressed size", { d in put32(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 24, 0xFFFF_FFFF) }),
            ("local header offset", { d in put32(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 42, 0xFFFF_FFFF) }),
            ("entry count", { d in put16(&d, d.count - 22 + 8, 0xFFFF); put16(&d, d.count - 22 + 10, 0xFFFF) }),
            ("central directory offset", { d in put32(&d, d.count - 22 + 16, 0xFFFF_FFFF) }),
        ]
        for (what, patch) in patches {
            try ZipWriter.write(zipSample, to: path, compress: true)
            try patchFile(path, patch)
            let error = readError { _ = try ZipArchive(path: path, displayName: "z64.zip") }
            #expect(error?.message.hasPrefix("ZIP64 archives are not supported") == true, "\(what)")
            #expect(error?.location.file == "z64.zip")
        }
        // The entry is named when the marker is in its record.
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path, patches[0].1)
        #expect(readError { _ = try ZipArchive(path: path, displayName: "z64.zip") }?.location == SourceLocation(file: "z64.zip", path: "hello.txt"))
        // A workbook says so too.
        let error = readError { _ = try XLSXSheetReader(path: path, displayName: "z64.xlsx") }
        #expect(error?.message.hasPrefix("not a readable .xlsx workbook") == true)
        #expect(error?.message.contains("ZIP64 archives are not supported") == true)
    }

    @Test func encryptedEntriesAndUnsupportedMethodsAreRefused() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("enc.zip").path
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in d[try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 8] |= 0x01 }
        let e1 = readError { _ = try ZipArchive(path: path, displayName: "enc.zip") }
        #expect(e1?.location == SourceLocation(file: "enc.zip", path: "hello.txt"))
        #expect(e1?.message.hasPrefix("the entry is encrypted") == true)

        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in put16(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 10, 12) }
        let e2 = readError { _ = try ZipArchive(path: path, displayName: "enc.zip") }
        #expect(e2?.message == "the entry uses compression method 12 (bzip2); only 0 (stored) and 8 (deflate) are supported")
    }

    @Test func nonZipFilesAreAClearError() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let text = try write(Array(String(repeating: "Kommune;År;Type\n", count: 100).utf8), "data.csv", in: dir)
        let e1 = readError { _ = try ZipArchive(path: text, displayName: "data.csv") }
        #expect(e1?.location == SourceLocation(file: "data.csv"))
        #expect(e1?.message.hasPrefix("not a ZIP archive: no end of central directory record") == true)
        let tiny = try write([0x50, 0x4B, 0x03, 0x04], "tiny.zip", in: dir)
        let e2 = readError { _ = try ZipArchive(path: tiny, displayName: "tiny.zip") }
        #expect(e2?.message == "not a ZIP archive: the file has 4 bytes, fewer than the 22 of an end of central directory record")
        let e3 = readError { _ = try ZipArchive(path: dir.path, displayName: "dir") }
        #expect(e3?.message == "is a directory; expected a ZIP archive")
        let e4 = readError { _ = try ZipArchive(path: dir.appendingPathComponent("missing.zip").path, displayName: "missing.zip") }
        #expect(e4?.message.hasPrefix("cannot open file") == true)
    }

    @Test func anErrorFromTheBodyStopsExtractionUnchanged() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("stop.zip").path
        try ZipWriter.write(zipSample, to: path, compress: true)
        let archive = try ZipArchive(path: path)
        var calls = 0
        let stop = ReadError(SourceLocation(file: "body"), "stop")
        let error = readError {
            try archive.extract(try #require(archive["dir/noise.bin"]), chunkSize: 1_000) { _ in
                calls += 1
                throw stop
            }
        }
        #expect(error == stop)
        #expect(calls == 1)
    }
}
