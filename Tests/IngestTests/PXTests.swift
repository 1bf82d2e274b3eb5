import Foundation
import Testing
import TestSupport
@testable import Ingest

// MARK: - Helpers

private func readPX(_ bytes: [UInt8], encoding: TextEncoding? = nil) throws -> CollectingSink {
    let scratch = try TemporaryDirectory("px-tests")
    defer { scratch.remove() }
    let path = try scratch.write(bytes, to: "table.px")
    var sink = CollectingSink(stopAtReject: true)
    try PXReader(path: path, displayName: "table.px", encoding: encoding).read(into: &sink)
    return sink
}

private func readPX(_ text: String) throws -> CollectingSink { try readPX(Array(text.utf8)) }

private func pxError(_ text: String) throws -> ReadError {
    try #require(readError { _ = try readPX(text) })
}

/// A PX file the way SSB's statbank writes one (CRLF line ends, Norwegian text).
private func ssbTable(codepage: String?, data: String? = nil) -> String {
    var lines = [
        "CHARSET=\"ANSI\";",
        "AXIS-VERSION=\"2010\";"
    ]
    if let codepage { lines.append("CODEPAGE=\"\(codepage)\";") }
    lines += [
        "LANGUAGE=\"no\";",
        "LANGUAGES=\"no\",\"en\";",
        "CREATION-DATE=\"20240221 08:00\";",
        "DECIMALS=1;",
        "SHOWDECIMALS=1;",
        "MATRIX=\"07459\";",
        "SUBJECT-AREA=\"Befolkning\";",
        "TITLE=\"07459: Befolkning, etter region, kjønn, statistikkvariabel og år\";",
        "TITLE[en]=\"07459: Population, by region, sex, contents and year\";",
        "CONTENTS=\"Befolkning\";",
        "UNITS=\"personer\";",
        "STUB=\"region\",\"kjønn\";",
        "STUB[en]=\"region\",\"sex\";",
        "HEADING=\"statistikkvariabel\",\"år\";",
        "VALUES(\"region\")=\"0301 Oslo\",\"3014 Indre Østfold (2020-2023)\",",
        "\"K-3118 Indre Østfold\";",
        "VALUES[en](\"sex\")=\"Males\",\"Females\";",
        "VALUES(\"kjønn\")=\"Menn\",\"Kvinner\";",
        "VALUES(\"statistikkvariabel\")=\"Personer\";",
        "VALUES(\"år\")=\"2022\",\"2023\";",
        "TIMEVAL(\"år\")=TLIST(A1),\"2022\",\"2023\";",
        "CODES(\"region\")=\"0301\",\"3014\",\"K-3118\";",
        "CODES(\"kjønn\")=\"1\",\"2\";",
        "CODES(\"statistikkvariabel\")=\"Personer1\";",
        "CODES(\"år\")=\"2022\",\"2023\";",
        "VARIABLE-CODE(\"region\")=\"Region\";",
        "LAST-UPDATED=\"20240221 08:00\";",
        "SOURCE=\"Statistisk sentralbyrå\";",
        "NOTE=\"Tallene gjelder per 1. januar. Kommuner som er slått sammen \"",
        "\"vises med sine gamle koder.\";",
        "DATASYMBOL2=\"..\";",
        "DATA="
    ]
    lines.append(
        data ?? """
            349218 351989
            "-" 12.5
            "..." ":"
            "." ".."
            1e3 -4
            17 ..
            ;
            """)
    return lines.joined(separator: "\r\n") + "\r\n"
}

// MARK: - Tests

@Suite("PX reader")
struct PXTests {
    private func checkSSBTable(_ r: CollectingSink, firstDataLine: Int) throws {
        #expect(r.begun.count == 1)
        let schema = try #require(r.ended.first)
        #expect(schema.dimensions.map(\.id) == ["region", "kjønn", "statistikkvariabel", "år"])
        #expect(schema.dimensions.map(\.role) == [.geo, .other, .metric, .time])
        #expect(schema.label == "07459: Befolkning, etter region, kjønn, statistikkvariabel og år")
        #expect(schema.source == "Statistisk sentralbyrå")
        #expect(schema.updated == "20240221 08:00")
        #expect(schema.metadata["MATRIX"] == "07459")
        #expect(schema.metadata["DECIMALS"] == "1")
        #expect(schema.metadata["UNITS"] == "personer")
        #expect(schema.metadata["CONTENTS"] == "Befolkning")
        #expect(schema.metadata["NOTE"] == "Tallene gjelder per 1. januar. Kommuner som er slått sammen vises med sine gamle koder.")
        #expect(schema.metadata["VARIABLE-CODE(\"region\")"] == "Region")
        let region = schema.dimensions[0].categories
        #expect(region["0301"] == CategoryLabel(name: "Oslo"))
        #expect(region["3014"] == CategoryLabel(name: "Indre Østfold", validFrom: 2020, validTo: 2023))
        #expect(region["K-3118"] == CategoryLabel(name: "Indre Østfold"))
        #expect(schema.dimensions[1].categories["2"]?.name == "Kvinner")

        #expect(r.cells.count == 12)
        // Heading varies fastest: region × kjønn rows, statistikkvariabel × år columns.
        #expect(r.cells[0].coordinates == ["0301", "1", "Personer1", "2022"])
        #expect(r.cells[1].coordinates == ["0301", "1", "Personer1", "2023"])
        #expect(r.cells[2].coordinates == ["0301", "2", "Personer1", "2022"])
        #expect(r.cells[11].coordinates == ["K-3118", "2", "Personer1", "2023"])
        #expect(r.cells[0].value == 349218 && r.cells[0].status == nil)
        let zero = try #require(r.at("0301", "2", "Personer1", "2022"))
        #expect(zero.value == 0 && zero.status == "-")
        #expect(r.at("0301", "2", "Personer1", "2023")?.value == 12.5)
        #expect(r.at("3014", "1", "Personer1", "2022")?.status == "...")
        #expect(r.at("3014", "1", "Personer1", "2023")?.status == ":")
        #expect(r.at("3014", "2", "Personer1", "2022")?.status == ".")
        let missing = try #require(r.at("3014", "2", "Personer1", "2023"))
        #expect(missing.value == nil && missing.status == "..")
        #expect(r.at("K-3118", "1", "Personer1", "2022")?.value == 1000)
        #expect(r.at("K-3118", "1", "Personer1", "2023")?.value == -4)
        #expect(r.at("K-3118", "2", "Personer1", "2023")?.status == "..")
        // Locations: the line and column of each value.
        #expect(r.cells[0].location == SourceLocation(file: "table.px", line: firstDataLine, column: 1))
        #expect(r.cells[3].location == SourceLocation(file: "table.px", line: firstDataLine + 1, column: 5))
    }

    @Test func ssbTableInLatin1WithCodepage() throws {
        let bytes = TextEncoding.iso88591.encode(ssbTable(codepage: "iso-8859-1"))
        #expect(bytes.contains(0xF8)) // ø as one Latin-1 byte
        try checkSSBTable(try readPX(bytes), firstDataLine: 36)
    }

    @Test func ssbTableInWindows1252WithCharsetAnsiOnly() throws {
        try checkSSBTable(try readPX(TextEncoding.windows1252.encode(ssbTable(codepage: nil))), firstDataLine: 35)
    }

    @Test func ssbTableInUTF8WithCodepage() throws {
        try checkSSBTable(try readPX(ssbTable(codepage: "utf-8")), firstDataLine: 36)
    }

    @Test func byteOrderMarkMeansUTF8() throws {
        let text = ssbTable(codepage: nil).replacingOccurrences(of: "CHARSET=\"ANSI\";\r\n", with: "")
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        let r = try readPX(bytes)
        #expect(r.ended.first?.dimensions.map(\.id) == ["region", "kjønn", "statistikkvariabel", "år"])
        #expect(r.cells.count == 12)
    }

    @Test func forcedEncodingWins() throws {
        // Declared Latin-1 but actually UTF-8: forcing reads it right.
        let r = try readPX(Array(ssbTable(codepage: "iso-8859-1").utf8), encoding: .utf8)
        #expect(r.ended.first?.dimensions[1].id == "kjønn")
    }

    @Test func customDataSymbols() throws {
        let text = """
            MATRIX="T1";
            STUB="region";
            HEADING="år";
            VALUES("region")="0301 Oslo","1103 Stavanger";
            VALUES("år")="2022","2023","2024";
            DATASYMBOL1="x";
            DATASYMBOL3="ikke";
            DATASYMBOL6="n.a.";
            DATASYMBOLNIL="nil";
            DATA=
            "x" ikke "nil"
            "n.a." "......" 7;
            """
        let r = try readPX(text)
        let schema = try #require(r.ended.first)
        #expect(schema.dimensions.map(\.role) == [.geo, .time])
        // Without CODES, a region's code is split off its value text.
        #expect(r.cells.map { $0.coordinates[0] } == ["0301", "0301", "0301", "1103", "1103", "1103"])
        #expect(schema.dimensions[0].categories["1103"]?.name == "Stavanger")
        #expect(r.cells.map(\.status) == [".", "...", "-", "......", "......", nil])
        #expect(r.cells.map(\.value) == [nil, nil, 0, nil, nil, 7])
    }

    @Test func headingOnlyTableWithoutCodesUsesValues() throws {
        let r = try readPX("HEADING=\"statistikkvariabel\";\nVALUES(\"statistikkvariabel\")=\"Personer\",\"Areal\";\nDATA=\n1 2;\n")
        #expect(r.cells.map(\.coordinates) == [["Personer"], ["Areal"]])
        #expect(r.ended.first?.dimensions.first?.role == .metric)
    }

    @Test(arguments: [
        ("1 2 3 4 5 6 7 8 9 10 11;", "DATA has 11 values, expected 12 (3 × 2 × 1 × 2 from VALUES)", 36),
        ("1 2 3 4 5 6\n7 8 9 10 11 12\n13 14;", "DATA has 14 values, expected 12 (3 × 2 × 1 × 2 from VALUES)", 38)
    ])
    func dataCountMustMatchValues(data: String, message: String, line: Int) throws {
        let e = try pxError(ssbTable(codepage: "utf-8", data: data))
        #expect(e.message == message)
        #expect(e.location.line == line)
    }

    @Test func valueThatIsNoNumberNorSymbol() throws {
        let e = try pxError(ssbTable(codepage: "utf-8", data: "1 2\n3 abc 5;"))
        #expect(e.message == "DATA value 4: expected a number (decimal point) or a symbol (. .. ... : - or a DATASYMBOL), found \"abc\"")
        #expect(e.location == SourceLocation(file: "table.px", line: 37, column: 3))
    }

    @Test func truncatedData() throws {
        let e = try pxError(ssbTable(codepage: "utf-8", data: "1 2 3\n4 5"))
        #expect(e.message == "truncated file: DATA ends without ';' after 5 of 12 values")
    }

    @Test func truncatedBeforeData() throws {
        let e = try pxError("STUB=\"region\";\nVALUES(\"region\")=\"0301\",\n\"1103\"")
        #expect(e.message.hasPrefix("truncated file: the entry VALUES starting here has no closing ';'"))
        #expect(e.location.line == 2)
        let noData = try pxError("STUB=\"region\";\nVALUES(\"region\")=\"0301\";\n")
        #expect(noData.message.hasPrefix("truncated file: no DATA= section"))
    }

    @Test func unterminatedStringInKeywords() throws {
        let e = try pxError("STUB=\"region\";\nTITLE=\"Befolkning;\nVALUES(\"region\")=\"0301\";\nDATA=\n1;\n")
        #expect(e.message.hasPrefix("unterminated string"))
        #expect(e.location.line == 2)
    }

    @Test func unterminatedStringInData() throws {
        let e = try pxError("STUB=\"region\";\nVALUES(\"region\")=\"0301\",\"1103\";\nDATA=\n1 \"..\n2;\n")
        #expect(e.message.hasPrefix("unterminated string in DATA"))
        #expect(e.location.line == 4)
    }

    @Test func missingVariablesOrValues() throws {
        let noStub = try pxError("MATRIX=\"x\";\nDATA=\n1;\n")
        #expect(noStub.message.hasPrefix("missing STUB and HEADING"))
        #expect(noStub.location.line == 2)
        let noValues = try pxError("STUB=\"region\";\nHEADING=\"år\";\nVALUES(\"region\")=\"0301\";\nDATA=\n1;\n")
        #expect(noValues.message == "VALUES(\"år\") is missing for variable \"år\" named in HEADING")
        #expect(noValues.location.line == 2)
        let badCodes = try pxError("STUB=\"region\";\nVALUES(\"region\")=\"0301\",\"1103\";\nCODES(\"region\")=\"0301\";\nDATA=\n1 2;\n")
        #expect(badCodes.message.hasPrefix("CODES(\"region\") has 1 codes but VALUES(\"region\") has 2 values"))
        #expect(badCodes.location.line == 3)
    }

    @Test func unsupportedCodepageSaysWhatToDo() throws {
        let e = try pxError(ssbTable(codepage: "ibm850"))
        #expect(e.message.hasPrefix("CODEPAGE \"ibm850\" is not supported"))
        #expect(e.location.line == 3)
    }

    @Test func largeTableStreamsAcrossChunks() throws {
        // 400 regions × 2 500 years: 1 000 000 values, several 1 MB chunks.
        var text = "CODEPAGE=\"utf-8\";\nSTUB=\"region\";\nHEADING=\"år\";\n"
        text += "VALUES(\"region\")=" + (0..<400).map { "\"\(1000 + $0) Kommune \($0)\"" }.joined(separator: ",\n") + ";\n"
        text += "VALUES(\"år\")=" + (0..<2500).map { "\"\(1000 + $0)\"" }.joined(separator: ",") + ";\n"
        text += "DATA=\n"
        var expectedSum = 0.0
        var row = ""
        for r in 0..<400 {
            row.removeAll(keepingCapacity: true)
            for y in 0..<2500 {
                if (r + y) % 50 == 0 {
                    row += "\"..\" "
                } else {
                    let v = (r * 31 + y) % 1000
                    expectedSum += Double(v)
                    row += "\(v) "
                }
            }
            text += row + "\n"
        }
        text += ";\n"
        struct Counter: CellSink {
            var count = 0, missing = 0
            var sum = 0.0
            var last: [String] = []
            mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
                count += 1
                if let v = cell.value { sum += v } else { missing += 1 }
                last = cell.coordinates
            }
        }
        let scratch = try TemporaryDirectory("px-tests")
        defer { scratch.remove() }
        let path = try scratch.write(text, to: "table.px")
        var sink = Counter()
        try PXReader(path: path).read(into: &sink)
        #expect(sink.count == 1_000_000)
        #expect(sink.missing == 20_000)
        #expect(sink.sum == expectedSum)
        #expect(sink.last == ["1399", "3499"])
    }
}
