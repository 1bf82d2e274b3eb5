import Foundation
import Testing
import TestSupport
@testable import Ingest

/// KLASS files as people download and save them (docs/FORMATS.md, "KLASS"): code lists as
/// ISO-8859-1 CSV with short rows, change lists and correspondences saved in ISO-8859-1.
struct KlassDownloadTests {
    /// Removed after each test (a suite value lives for one test).
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory("ingest-tests") }

    func document(_ bytes: [UInt8], _ name: String) throws -> KlassDocument {
        try KlassReader.readDocument(path: try scratch.write(bytes, to: name), displayName: name)
    }

    static let codes = """
        "code";"parentCode";"level";"name";"shortName";"notes";"validFrom";"validTo"
        "3801";"";"1";"Horten";"";"";"2020-01-01";"2024-01-01"
        "3018";"";"1";"Våler (Viken)";"";""
        "5001";"";"1";"Trondheim - Tråante";"";"Samisk navn fra 2020"

        """

    @Test func aCodeListInISO88591WithShortRowsIsRead() throws {
        let d = try document(TextEncoding.iso88591.encode(Self.codes), "kommuner.csv")
        #expect(d.dialect == "klass csv encoding=iso-8859-1")
        guard case .codes(let codes) = d.content else { Issue.record("not read as a code list: \(d.content)"); return }
        #expect(codes.map(\.code) == ["3801", "3018", "5001"])
        #expect(codes[0].validFrom == "2020-01-01" && codes[0].validTo == "2024-01-01")
        #expect(codes[1].name == "Våler (Viken)" && codes[1].validFrom == "")
        #expect(codes[2].name == "Trondheim - Tråante" && codes[2].notes == "Samisk navn fra 2020")
    }

    @Test(arguments: [
        (
            "a row with more fields than the header", codes.replacingOccurrences(of: "\"2024-01-01\"", with: "\"2024-01-01\";\"x\""),
            "kommuner.csv:2: error: expected at most 8 fields as in the header, found 9"
        ),
        (
            "a row without a code", codes.replacingOccurrences(of: "\"3018\"", with: "\"\""),
            "kommuner.csv:3:1: error: code is empty; expected code and name on every row"
        )
    ])
    func badCodeListsAreRefusedWithTheirPlace(_ c: (String, String, String)) {
        do { _ = try document(TextEncoding.iso88591.encode(c.1), "kommuner.csv"); Issue.record("\(c.0): read") } catch {
            #expect("\(error)" == c.2, "\(c.0)")
        }
    }

    static let changes =
        #"{"codeChanges":[{"oldCode":"0701","oldName":"Horten","oldShortName":"","newCode":"3801","newName":"Horten","newShortName":"","changeOccurred":"2020-01-01"},{"oldCode":"0137","oldName":"Våler","newCode":"3018","newName":"Våler (Viken)","changeOccurred":"2020-01-01"}]}"#

    @Test(arguments: [TextEncoding.utf8, .iso88591])
    func aChangeListSavedInEitherEncodingReadsTheSame(_ encoding: TextEncoding) throws {
        let d = try document(encoding.encode(Self.changes), "changes.json")
        #expect(
            d.dialect == (encoding == .utf8 ? "klass json encoding=utf-8" : "klass json encoding=windows-1252 (the bytes are not UTF-8)"))
        guard case .changes(let c) = d.content else { Issue.record("not a change list"); return }
        #expect(c.map(\.oldName) == ["Horten", "Våler"])
        #expect(c[1].newName == "Våler (Viken)")
    }

    static let correspondence =
        #"{"correspondenceItems":[{"sourceCode":"0701","sourceName":"Horten","targetCode":"3801","targetName":"Horten"},{"sourceCode":"0301","sourceName":"Oslo","targetCode":"0301","targetName":"Oslo"},{"sourceCode":"0137","sourceName":"Våler","targetCode":"3018","targetName":"Våler (Viken)"}]}"#

    @Test(arguments: [TextEncoding.utf8, .iso88591])
    func aCorrespondenceIsRead(_ encoding: TextEncoding) throws {
        let d = try document(encoding.encode(Self.correspondence), "correspondsAt.json")
        guard case .correspondence(let items) = d.content else { Issue.record("not a correspondence"); return }
        #expect(items.map(\.targetCode) == ["3801", "0301", "3018"])
        #expect(items[2].sourceName == "Våler")
    }

    @Test func aCorrespondenceItemWithoutItsTargetNamesItsPath() {
        let text = #"{"correspondenceItems":[{"sourceCode":"0701","sourceName":"Horten"}]}"#
        do { _ = try document(Array(text.utf8), "c.json"); Issue.record("read") } catch {
            #expect("\(error)" == "c.json:correspondenceItems[0].targetCode: error: missing targetCode; expected sourceCode, targetCode")
        }
    }

    @Test func readingACodeListAsChangesSaysWhatItIs() throws {
        let path = try scratch.write(TextEncoding.iso88591.encode(Self.codes), to: "kommuner.csv")
        do { _ = try KlassReader.read(path: path, displayName: "kommuner.csv"); Issue.record("read") } catch {
            #expect(
                "\(error)"
                    == "kommuner.csv: error: a KLASS code list (3 codes), not a change list; expected the classification's `changes` (oldCode, newCode, changeOccurred)"
            )
        }
    }
}

/// JSON-stat 2.0 extensions kept in the schema (docs/FORMATS.md, "JSON-stat").
struct JSONStatExtensionTests {
    /// Removed after each test (a suite value lives for one test).
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory("ingest-tests") }

    @Test func notesLinkExtensionAndUpdatedAreKept() throws {
        let json = """
            {"version": "2.0", "class": "dataset", "label": "T", "updated": "2024-02-21T07:00:00Z",
             "note": ["Første.", "Andre."], "link": {"alternate": [{"href": "https://example.org/t"}]},
             "extension": {"px": {"tableid": "06913"}},
             "id": ["Region", "Tid"], "size": [2, 1], "role": {"geo": ["Region"], "time": ["Tid"]},
             "dimension": {"Region": {"category": {"index": ["0301", "3801"], "note": {"3801": ["Ny kommune."]}}},
                           "Tid": {"category": {"index": ["2020"]}, "note": "Foreløpig."}},
             "value": [1, 2]}
            """
        let path = try scratch.write(Array(json.utf8), to: "t.json")
        var sink = DialectSink()
        try JSONStatReader(path: path).read(into: &sink)
        let schema = try #require(sink.schemas.first)
        #expect(schema.updated == "2024-02-21T07:00:00Z")
        #expect(schema.metadata["note"] == "Første.\nAndre.")
        #expect(schema.metadata["link"]?.contains("https://example.org/t") == true)
        #expect(schema.metadata["tableid"] == "06913")
        #expect(schema.dimensions[0].categories["3801"]?.note == "Ny kommune.")
        #expect(schema.dimensions[0].categories["0301"]?.note == nil)
        #expect(schema.footnotes == "Første.\nAndre.\nTid: Foreløpig.")
    }
}
