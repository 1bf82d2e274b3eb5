import Foundation
import Testing
import TestSupport
@testable import Ingest

/// PX as SSB, Statistics Sweden and Statistics Finland write it (docs/FORMATS.md, "PX"):
/// languages, split texts, KEYS, TIMEVAL ranges, code pages, data symbols, legacy keywords.
struct PXFullSpecTests {
    /// Removed after each test (a suite value lives for one test).
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory("px-spec") }

    struct Collector: CellSink {
        var schema: DatasetSchema?
        var cells: [String] = []
        var rejects: [ReadError] = []
        mutating func end(_ schema: DatasetSchema) throws { self.schema = schema }
        mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
            cells.append(cell.coordinates.joined(separator: ",") + "|\(cell.value.map { "\($0)" } ?? "nil")|\(cell.status ?? "")")
        }
        mutating func reject(_ error: ReadError, raw: String) throws { rejects.append(error) }
    }

    func read(_ bytes: [UInt8], language: String? = nil, encoding: TextEncoding? = nil) throws -> (String, Collector) {
        let path = try scratch.write(bytes, to: "table.px")
        let r = try PXReader(path: path, displayName: "table.px", encoding: encoding, language: language)
        var sink = Collector()
        try r.read(into: &sink)
        return (r.dialect, sink)
    }

    func refusal(_ text: String, language: String? = nil) -> String {
        do { _ = try read(Array(text.utf8), language: language); return "read without error" } catch { return "\(error)" }
    }

    /// Two languages, a note split inside a word, a legacy dotted keyword, symbols.
    static let bilingual = """
        CHARSET="ANSI";
        AXIS-VERSION="2010";
        LANGUAGE="no";
        LANGUAGES="no","en";
        CONTENTS[no]="Kjørelengder";
        CONTENTS[en]="Road traffic volumes";
        TITLE="Kjørelengder, etter region, drivstofftype og år";
        TITLE[en]="Road traffic volumes, by region, type of fuel and year";
        STUB[no]="region","drivstofftype";
        STUB[en]="region","type of fuel";
        HEADING[no]="år";
        HEADING[en]="year";
        VALUES("region")="3801 Horten","3802 Holmestrand";
        VALUES[no]("drivstofftype")="Bensin","Diesel";
        VALUES[en]("type of fuel")="Petrol","Diesel";
        VALUES[no]("år")="2019","2020";
        VALUES[en]("year")="2019","2020";
        CODES("region")="3801","3802";
        TIMEVAL("år")=TLIST(A1),"2019","2020";
        ELIMINATION("drivstofftype")=YES;
        PRECISION("drivstofftype","Diesel")=2;
        NOTE="En mer detaljert modell ble tatt i bruk i 2018. Tall for 2016 og 2017 ble justert med den nye mod"
        "ellen.";
        LAST.UPDATED="20190321 08:00";
        VALUENOTE[no]("region","3802 Holmestrand")="Grensejustert i 2020.";
        SEASADJ=NO;
        META-ID="KEYWORD:trafikk";
        NEXT-UPDATE="20200321 08:00";
        DATASYMBOL1="..";
        DATASYMBOL2=":";
        DATASYMBOLNIL="-";
        DATASYMBOLSUM="...";
        DATA=12.5 "." 13.1 "-"
        ".." 1 2 "......."
        ;
        """

    @Test func theDefaultLanguageIsReadWithEveryKeywordKept() throws {
        let (dialect, r) = try read(TextEncoding.windows1252.encode(Self.bilingual))
        #expect(dialect == "px language=no (of no, en) encoding=windows-1252 (CHARSET=ANSI) timeval=A1")
        let schema = try #require(r.schema)
        #expect(schema.dimensions.map(\.id) == ["region", "drivstofftype", "år"])
        #expect(schema.dimensions.map(\.role) == [.geo, .other, .time])
        #expect(schema.label == "Kjørelengder, etter region, drivstofftype og år")
        #expect(schema.updated == "20190321 08:00")
        #expect(
            schema.metadata["NOTE"]
                == "En mer detaljert modell ble tatt i bruk i 2018. Tall for 2016 og 2017 ble justert med den nye modellen.")
        #expect(schema.metadata["SEASADJ"] == "NO")
        #expect(schema.metadata["META-ID"] == "KEYWORD:trafikk")
        #expect(schema.metadata["NEXT-UPDATE"] == "20200321 08:00")
        #expect(schema.metadata["ELIMINATION(\"drivstofftype\")"] == "YES")
        #expect(schema.metadata["PRECISION(\"drivstofftype\",\"Diesel\")"] == "2")
        #expect(schema.dimensions[0].categories["3801"]?.name == "Horten")
        #expect(schema.dimensions[0].categories["3802"]?.note == "Grensejustert i 2020.")
        #expect(schema.dimensions[0].categories["3801"]?.note == nil)
        // Data starts on the DATA= line; "." is DATASYMBOL1 (".."), ".." DATASYMBOL2 (":"), seven dots SUM.
        #expect(
            r.cells == [
                "3801,Bensin,2019|12.5|", "3801,Bensin,2020|nil|..", "3801,Diesel,2019|13.1|", "3801,Diesel,2020|0.0|-",
                "3802,Bensin,2019|nil|:", "3802,Bensin,2020|1.0|", "3802,Diesel,2019|2.0|", "3802,Diesel,2020|nil|..."
            ])
    }

    @Test func anotherLanguageIsReadWhenAsked() throws {
        let (dialect, r) = try read(TextEncoding.windows1252.encode(Self.bilingual), language: "en")
        #expect(dialect.hasPrefix("px language=en (of no, en)"))
        let schema = try #require(r.schema)
        #expect(schema.dimensions.map(\.id) == ["region", "type of fuel", "year"])
        #expect(schema.dimensions.map(\.role) == [.geo, .other, .time])
        #expect(schema.label == "Road traffic volumes, by region, type of fuel and year")
        #expect(r.cells.first == "3801,Petrol,2019|12.5|")
        #expect(r.cells.count == 8)
    }

    @Test func aLanguageTheFileDoesNotHaveIsRefused() {
        #expect(refusal(Self.bilingual, language: "sv") == "table.px:1: error: the file has no language \"sv\"; it has no, en")
    }

    static let keyed = """
        CHARSET="ANSI";
        STUB="region","kjønn";
        HEADING="år";
        VALUES("region")="0301 Oslo","3801 Horten";
        VALUES("kjønn")="Menn","Kvinner";
        CODES("kjønn")="1","2";
        VALUES("år")="2019","2020";
        KEYS("region")=VALUES;
        KEYS("kjønn")=CODES;
        DATA=
        "0301 Oslo","2",10,11
        "3801 Horten","1","..",12
        ;
        """

    @Test func sparseDataWithKeyColumnsGivesOnlyTheCellsItHas() throws {
        let (dialect, r) = try read(TextEncoding.windows1252.encode(Self.keyed))
        #expect(dialect.contains("keys=2"))
        #expect(r.cells == ["0301,2,2019|10.0|", "0301,2,2020|11.0|", "3801,1,2019|nil|..", "3801,1,2020|12.0|"])
    }

    @Test(arguments: [
        (
            "an unknown key", keyed.replacingOccurrences(of: "\"3801 Horten\",\"1\"", with: "\"3802 Holmestrand\",\"1\""),
            "table.px:12:1: error: key \"3802 Holmestrand\" is not a category of \"region\"; expected one of its VALUES or CODES as KEYS says"
        ),
        (
            "a short key line", keyed.replacingOccurrences(of: "\"..\",12", with: "\"..\""),
            "table.px:13: error: the last data line has 3 of 4 items; expected 2 keys and 2 values on each line of a KEYS table"
        ),
        (
            "keys on some stub variables", keyed.replacingOccurrences(of: "KEYS(\"kjønn\")=CODES;\n", with: ""),
            "table.px:8: error: KEYS names some stub variables but not \"kjønn\"; expected a KEYS entry for every STUB variable"
        ),
        (
            "keys on a heading variable",
            keyed.replacingOccurrences(of: "KEYS(\"kjønn\")=CODES;", with: "KEYS(\"kjønn\")=CODES;\nKEYS(\"år\")=VALUES;"),
            "table.px:10: error: KEYS(\"år\"): \"år\" is not a STUB variable; keys are stub variables"
        )
    ])
    func badKeyedFilesAreRefusedWithTheirPlace(_ c: (String, String, String)) {
        #expect(refusal(c.1) == c.2, "\(c.0)")
    }

    @Test(arguments: [
        ("TLIST(A1),\"2019\"-\"2021\"", "A1", ["2019", "2020", "2021"]),
        ("TLIST(A1,\"2019\"-\"2021\")", "A1", ["2019", "2020", "2021"]),
        ("TLIST(W1),\"2019W01\"-\"2019W03\"", "W1", ["2019W01", "2019W02", "2019W03"]),
        ("TLIST(U1,\"2019M01\")", "U1", ["2019M01"]),
        ("TLIST(M1),\"2019M11\",\"2019M12\"", "M1", ["2019M11", "2019M12"])
    ])
    func timevalGivesThePeriodsWhenValuesAreMissing(_ c: (String, String, [String])) throws {
        let text =
            "STUB=\"region\";\nHEADING=\"tid\";\nVALUES(\"region\")=\"0301 Oslo\";\nTIMEVAL(\"tid\")=\(c.0);\nDATA=\n"
            + c.2.map { _ in "1" }.joined(separator: " ") + ";\n"
        let (dialect, r) = try read(Array(text.utf8))
        #expect(dialect.hasSuffix("timeval=\(c.1)"))
        #expect(r.cells == c.2.map { "0301,\($0)|1.0|" })
        #expect(r.schema?.dimensions[1].role == .time)
    }

    @Test func aTimevalRangeThatCannotBeExpandedIsRefused() {
        let text =
            "STUB=\"region\";\nHEADING=\"tid\";\nVALUES(\"region\")=\"0301 Oslo\";\nTIMEVAL(\"tid\")=TLIST(A1),\"2021\"-\"2019\";\nDATA=\n1;\n"
        #expect(
            refusal(text)
                == "table.px:4: error: TIMEVAL range \"2021\"-\"2019\" cannot be expanded; expected two periods differing in their last digits"
        )
    }

    static func latin9(codepage: String) -> String {
        "CODEPAGE=\"\(codepage)\";\nSTUB=\"valuta\";\nHEADING=\"år\";\nVALUES(\"valuta\")=\"€ (Œ)\",\"Šilling\";\nVALUES(\"år\")=\"2020\";\nDATA=\n1 2;\n"
    }

    @Test func codepageISO885915IsRead() throws {
        let (dialect, r) = try read(TextEncoding.iso885915.encode(Self.latin9(codepage: "iso-8859-15")))
        #expect(dialect.contains("encoding=iso-8859-15 (CODEPAGE)"))
        #expect(r.cells == ["€ (Œ),2020|1.0|", "Šilling,2020|2.0|"])
    }

    @Test func aCodepageTheBytesContradictIsOverruledAndSaid() throws {
        let (dialect, r) = try read(Array(Self.latin9(codepage: "iso-8859-15").utf8))
        #expect(dialect.contains("encoding=utf-8 (CODEPAGE says iso-8859-15, the bytes are utf-8)"))
        #expect(r.cells == ["€ (Œ),2020|1.0|", "Šilling,2020|2.0|"])
        let (dialect2, r2) = try read(
            TextEncoding.windows1252.encode(Self.latin9(codepage: "utf-8").replacingOccurrences(of: "€ (Œ)", with: "Øre")))
        #expect(dialect2.contains("encoding=windows-1252 (CODEPAGE says utf-8, the bytes are windows-1252)"))
        #expect(r2.cells.first == "Øre,2020|1.0|")
    }
}
