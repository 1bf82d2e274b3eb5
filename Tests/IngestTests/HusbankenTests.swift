import Foundation
import Testing
import TestSupport
@testable import Ingest

let fullMapping = HusbankenMapping(
    municipality: "Kommune", year: "År", kind: "Type", stage: "Status",
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
let sampleRows: [[XCell]] = [
    [.shared("Investeringstilskudd fra Husbanken 2021–2024")],
    header.map { .shared($0) },
    [
        .shared("3118 Indre Østfold"), .number("2021"), .shared("Sykehjemsplass"), .shared("Tilsagn"), .shared("Netto tilvekst"),
        .number("12"), .number("22440000")
    ],
    [
        .shared("3118 Indre Østfold"), .number("2021"), .shared("Omsorgsbolig"), .shared("Utbetalt"), .shared("Fornyelse"), .number("8"),
        .inline("1 870 000")
    ],
    [
        .number("301"), .number("2022"), .shared("sykehjem"), .shared("utbetaling"), .shared("Netto tilvekst"), .number("40"),
        .number("74800000")
    ],
    [.shared("1508 Ålesund"), .number("2024"), .shared("Omsorgsboliger"), .shared("tilsagn"), .none, .number("5"), .number("1634600.5")],
    [.shared("1508 Ålesund"), .number("2024"), .shared("OMSORGSBOLIG"), .shared("Utbetalt"), .shared("post 63"), .number("3"), .inline(":")]
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
    "1508|2024|omsorgsbolig|utbetalt|fornyelse|tilskudd_kr=nil/:"
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
        let text =
            "Kommune;År;Type;Status;Antall plasser;Tilskudd (kr)\r\n3118 Indre Østfold;2021;Sykehjem;Tilsagn;1;1 870 000\r\n3014 Indre Østfold;2020;Omsorgsbolig;Utbetalt;1 002;1\u{A0}530\u{A0}000,5\r\n"
        let bytes = TextEncoding.windows1252.encode(text)
        #expect(bytes.contains(0xD8) && bytes.contains(0xA0))
        let path = try write(bytes, "eksport.csv", in: dir)
        let mapping = HusbankenMapping(
            municipality: "Kommune", year: "År", kind: "Type", stage: "Status", places: "Antall plasser", amount: "Tilskudd (kr)")
        let reader = try HusbankenReader(path: path, mapping: mapping, displayName: "eksport.csv")
        #expect(reader.encoding == .windows1252)
        var sink = CollectingSink()
        try reader.read(into: &sink)
        #expect(sink.rejects.isEmpty)
        #expect(
            sink.values == [
                "3118|2021|sykehjem|tilsagn|plasser=1.0/",
                "3118|2021|sykehjem|tilsagn|tilskudd_kr=1870000.0/",
                "3014|2020|omsorgsbolig|utbetalt|plasser=1002.0/",
                "3014|2020|omsorgsbolig|utbetalt|tilskudd_kr=1530000.5/"
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
        #expect(
            error?.message
                == #"mapped column "Antall enheter" (places) not in the header; the header (line 2) has columns "Kommune", "År", "Type", "Status", "Formål", "Antall plasser", "Tilskudd (kr)"; fix the column names in the pipeline's husbanken mapping"#
        )

        // The same in a workbook names the row.
        let xlsx = dir.appendingPathComponent("tilskudd.xlsx")
        try writeWorkbook(xlsx, rows: sampleRows)
        let e2 = readError {
            var sink = CollectingSink()
            try HusbankenReader(path: xlsx.path, mapping: mapping, displayName: "tilskudd.xlsx").read(into: &sink)
        }
        #expect(
            e2?.description.hasPrefix(
                #"tilskudd.xlsx:Ark1 row 2: error: mapped column "Antall enheter" (places) not in the header; the header (row 2) has columns "Kommune""#
            ) == true)
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
            if name.lowercased().hasPrefix("indre") {
                return .failure(NameLookupError(name: name, year: year, nearMatches: ["Indre Østfold (\(year >= 2024 ? "3118" : "3014"))"]))
            }
            return .failure(NameLookupError(name: name, year: year))
        }
        let reader = try HusbankenReader(path: path, mapping: mapping, displayName: "navn.csv", resolveName: lookup)
        var sink = CollectingSink()
        try reader.read(into: &sink)
        #expect(
            sink.values == [
                "3014|2021|sykehjem|tilsagn|plasser=10.0/",
                "3118|2024|omsorgsbolig|tilsagn|plasser=2.0/"
            ])
        #expect(sink.rejects.count == 2)
        #expect(
            sink.rejects.first?.error.message == #"unknown municipality name "Indre Ostfold" in 2021; did you mean: Indre Østfold (3014)?"#)
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
        #expect(
            messages == [
                #"art.csv:3:3: error: column "Type" (kind): "Barnehage" is not a kind of place; expected sykehjem ("Sykehjem", "Sykehjemsplass", …) or omsorgsbolig ("Omsorgsbolig", "Omsorgsboliger", …)"#,
                #"art.csv:4:4: error: column "Status" (stage): "Annullert tilsagn" is not a stage; expected tilsagn ("Tilsagn", "Tilsagt") or utbetalt ("Utbetalt", "Utbetaling")"#,
                #"art.csv:5:5: error: column "Antall plasser" (places): expected a number (decimal comma, thousands separated by spaces, e.g. "1 870 000") or one of the symbols . .. ... : -, found "mange""#,
                #"art.csv:6:2: error: column "År" (year): expected a year (YYYY), found "24""#,
                #"art.csv:7:1: error: column "Kommune" (municipality): "Sum" is a total row, not a municipality; totals are not read"#
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
        ("Omsorgsbolig", "omsorgsbolig"), ("omsorgsboliger", "omsorgsbolig"), ("OMSORGSBOLIG ", "omsorgsbolig")
    ])
    func kindSpellingsNormalise(_ text: String, _ expected: String) {
        #expect(HusbankenRowBuilder.normaliseKind(text) == expected)
    }

    @Test(
        arguments: [
            ("Tilsagn", "tilsagn"), ("tilsagt", "tilsagn"), ("Utbetalt", "utbetalt"), ("Utbetaling", "utbetalt"),
            ("utbetalinger", "utbetalt"), ("Annullert tilsagn", nil), ("", nil), ("Søknad", nil)
        ] as [(String, String?)])
    func stageSpellingsNormalise(_ text: String, _ expected: String?) {
        #expect(HusbankenRowBuilder.normaliseStage(text) == expected)
    }

    @Test(
        arguments: [
            ("Netto tilvekst", "netto_tilvekst"), ("post 69", "netto_tilvekst"), ("Fornyelse", "fornyelse"),
            ("Fornyelse/renovering", "fornyelse"), ("Renovering", "fornyelse"), ("", "ukjent"), ("Ukjent", "ukjent"), ("Annet", nil)
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
        #expect(
            m
                == HusbankenMapping(
                    municipalityName: "Kommunenavn", year: "År", kind: "Type", stage: "Status", places: "Plasser", amount: "Kroner"))
        let back = try JSONDecoder().decode(HusbankenMapping.self, from: JSONEncoder().encode(m))
        #expect(back == m)
    }
}
