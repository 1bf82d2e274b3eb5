import Foundation
import Testing
import TestSupport
@testable import Ingest

// MARK: - Helpers

private func writeFile(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

private func klassError(_ body: () throws -> Void) -> ReadError? {
    do { try body() } catch let e as ReadError { return e } catch {
        Issue.record("expected a ReadError, got \(error)")
        return nil
    }
    Issue.record("expected a ReadError, got none")
    return nil
}

/// Ten real changes: the 0124 → 3014 → 3118 chain, the 1507 and 1850 splits, and the
/// name-only change of 5025.
private let sampleChanges: [KlassChange] = [
    KlassChange(oldCode: "0124", oldName: "Askim", newCode: "3014", newName: "Indre Østfold", changeOccurred: "2020-01-01"),
    KlassChange(oldCode: "0125", oldName: "Eidsberg", newCode: "3014", newName: "Indre Østfold", changeOccurred: "2020-01-01"),
    KlassChange(oldCode: "0138", oldName: "Hobøl", newCode: "3014", newName: "Indre Østfold", changeOccurred: "2020-01-01"),
    KlassChange(oldCode: "1850", oldName: "Tysfjord", newCode: "1806", newName: "Narvik", changeOccurred: "2020-01-01"),
    KlassChange(oldCode: "1850", oldName: "Tysfjord", newCode: "1875", newName: "Hamarøy", changeOccurred: "2020-01-01"),
    KlassChange(oldCode: "5025", oldName: "Røros", newCode: "5025", newName: "Røros - Rosse", changeOccurred: "2023-01-01"),
    KlassChange(oldCode: "1507", oldName: "Ålesund", newCode: "1508", newName: "Ålesund", changeOccurred: "2024-01-01"),
    KlassChange(oldCode: "1507", oldName: "Ålesund", newCode: "1580", newName: "Haram", changeOccurred: "2024-01-01"),
    KlassChange(oldCode: "3014", oldName: "Indre Østfold", newCode: "3118", newName: "Indre Østfold", changeOccurred: "2024-01-01"),
    KlassChange(oldCode: "5012", oldName: "Snillfjord", newCode: "5055", newName: "Heim", changeOccurred: "2020-01-01")
]

private func jsonText(_ changes: [KlassChange]) throws -> [UInt8] {
    let items: [[String: String]] = changes.map {
        [
            "oldCode": $0.oldCode, "oldName": $0.oldName, "oldShortName": "", "newCode": $0.newCode,
            "newName": $0.newName, "newShortName": "", "changeOccurred": $0.changeOccurred
        ]
    }
    return [UInt8](try JSONSerialization.data(withJSONObject: ["codeChanges": items], options: [.prettyPrinted, .sortedKeys]))
}

/// KLASS CSV: the API's field order, every field quoted as KLASS writes it.
private func csvText(_ changes: [KlassChange]) -> String {
    var s = "\"oldCode\",\"oldName\",\"oldShortName\",\"newCode\",\"newName\",\"newShortName\",\"changeOccurred\"\r\n"
    for c in changes {
        s += "\"\(c.oldCode)\",\"\(c.oldName)\",\"\",\"\(c.newCode)\",\"\(c.newName)\",\"\",\"\(c.changeOccurred)\"\r\n"
    }
    return s
}

/// KLASS-style XML in ISO-8859-1, namespaced, with empty short names.
private func xmlBytes(_ changes: [KlassChange]) -> [UInt8] {
    var s = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"yes\"?>\n"
    s += "<ns2:codeChangeList xmlns:ns2=\"http://klass.ssb.no/version\">\n"
    for c in changes {
        s += "  <ns2:codeChange>\n"
        s += "    <ns2:oldCode>\(c.oldCode)</ns2:oldCode>\n    <ns2:oldName>\(c.oldName)</ns2:oldName>\n    <ns2:oldShortName/>\n"
        s +=
            "    <ns2:newCode>\(c.newCode)</ns2:newCode>\n    <ns2:newName>\(c.newName)</ns2:newName>\n    <ns2:newShortName></ns2:newShortName>\n"
        s += "    <ns2:changeOccurred>\(c.changeOccurred)</ns2:changeOccurred>\n"
        s += "  </ns2:codeChange>\n"
    }
    s += "</ns2:codeChangeList>\n"
    return TextEncoding.iso88591.encode(s)
}

/// The shipped catalogue's rows (`oldCode,oldName,newCode,newName,changeOccurred,kind`).
private func shippedCatalogue() throws -> [KlassChange] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("pipelines/kommuneendringer.csv")
    let text = try String(contentsOf: url, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    #expect(lines.removeFirst() == "oldCode,oldName,newCode,newName,changeOccurred,kind")
    return lines.map { line in
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return KlassChange(oldCode: f[0], oldName: f[1], newCode: f[2], newName: f[3], changeOccurred: f[4])
    }
}

// MARK: - Tests

@Suite("KLASS change lists")
struct KlassTests {
    @Test func jsonCSVAndXMLWithTheSameChangesReadTheSame() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let json = try writeFile(try jsonText(sampleChanges), "changes.json", in: dir)
        let csvBytes = TextEncoding.iso88591.encode(csvText(sampleChanges))
        #expect(csvBytes.contains(0xD8))
        let csv = try writeFile(csvBytes, "changes.csv", in: dir)
        let xml = try writeFile(xmlBytes(sampleChanges), "changes.xml", in: dir)

        #expect(try KlassReader.read(path: json) == sampleChanges)
        #expect(try KlassReader.read(path: csv) == sampleChanges)
        #expect(try KlassReader.read(path: xml) == sampleChanges)
    }

    @Test func formatIsDetectedFromTheFirstByteWithoutAnExtension() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let json = try writeFile(try jsonText(sampleChanges), "changes-json", in: dir)
        let csv = try writeFile(Array(csvText(sampleChanges).utf8), "changes-csv", in: dir)
        let xml = try writeFile(xmlBytes(sampleChanges), "changes-xml", in: dir)
        #expect(try KlassReader.read(path: json) == sampleChanges)
        #expect(try KlassReader.read(path: csv) == sampleChanges)
        #expect(try KlassReader.read(path: xml) == sampleChanges)
    }

    @Test func shippedCatalogueRoundTripsThroughKlassCSVAndJSON() throws {
        let rows = try shippedCatalogue()
        #expect(rows.count == 535) // KLASS 131 changes 1994–2024
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        // UTF-8: the catalogue has Sámi names (š) outside ISO-8859-1.
        let csv = try writeFile(Array(csvText(rows).utf8), "kommuneendringer-klass.csv", in: dir)
        let json = try writeFile(try jsonText(rows), "kommuneendringer-klass.json", in: dir)
        let fromCSV = try KlassReader.read(path: csv)
        let fromJSON = try KlassReader.read(path: json)
        #expect(fromCSV.count == 535)
        #expect(fromCSV == rows)
        #expect(fromJSON == rows)
        // The chain and the split survive.
        let keys = Set(fromJSON.map { "\($0.oldCode)>\($0.newCode)@\($0.changeOccurred)" })
        #expect(
            keys.isSuperset(of: [
                "0124>3014@2020-01-01", "3014>3118@2024-01-01", "1507>1508@2024-01-01", "1507>1580@2024-01-01", "5025>5025@2023-01-01"
            ]))
    }

    @Test func malformedJSONIsReportedWithItsLine() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = try writeFile(Array("{\"codeChanges\":[\n{\"oldCode\":\"0124\" \"oldName\":\"Askim\"}\n]}".utf8), "bad.json", in: dir)
        let error = klassError { _ = try KlassReader.read(path: path, displayName: "bad.json") }
        #expect(error?.location.file == "bad.json")
        #expect(error?.location.line == 2)
        #expect(error?.location.column == 19)
        #expect(error?.message.hasPrefix("malformed JSON: ") == true)
    }

    @Test func missingJSONFieldNamesItsPath() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        var items =
            try #require(JSONSerialization.jsonObject(with: Data(try jsonText(sampleChanges))) as? [String: Any])["codeChanges"]
            as! [[String: Any]]
        items[7]["newCode"] = nil
        let path = try writeFile([UInt8](try JSONSerialization.data(withJSONObject: ["codeChanges": items])), "missing.json", in: dir)
        let error = klassError { _ = try KlassReader.read(path: path, displayName: "missing.json") }
        #expect(
            error?.description
                == "missing.json:codeChanges[7].newCode: error: missing newCode; a KLASS change needs oldCode, oldName, newCode, newName, changeOccurred"
        )

        items[7]["newCode"] = 1580
        let p2 = try writeFile([UInt8](try JSONSerialization.data(withJSONObject: ["codeChanges": items])), "number.json", in: dir)
        let e2 = klassError { _ = try KlassReader.read(path: p2, displayName: "number.json") }
        #expect(e2?.location.path == "codeChanges[7].newCode")
        #expect(e2?.message.hasSuffix("expected a string") == true)

        let p3 = try writeFile(Array(#"{"changes":[]}"#.utf8), "other.json", in: dir)
        let e3 = klassError { _ = try KlassReader.read(path: p3, displayName: "other.json") }
        #expect(e3?.message == #"no "codeChanges" array; expected {"codeChanges":[…]}, found keys "changes""#)
    }

    @Test func badCodeOrDateIsReportedWhereItIsInEachFormat() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        var bad = sampleChanges
        bad[2].oldCode = "138"
        let json = try writeFile(try jsonText(bad), "code.json", in: dir)
        let e1 = klassError { _ = try KlassReader.read(path: json, displayName: "code.json") }
        #expect(
            e1?.description
                == #"code.json:codeChanges[2].oldCode: error: oldCode "138" is not a 4-digit kommune code (classification 131 codes are four digits, e.g. "0301")"#
        )

        let csv = try writeFile(TextEncoding.iso88591.encode(csvText(bad)), "code.csv", in: dir)
        let e2 = klassError { _ = try KlassReader.read(path: csv, displayName: "code.csv") }
        #expect(e2?.location == SourceLocation(file: "code.csv", line: 4, column: 1))

        var badDate = sampleChanges
        badDate[1].changeOccurred = "2020-13-01"
        let xml = try writeFile(xmlBytes(badDate), "date.xml", in: dir)
        let e3 = klassError { _ = try KlassReader.read(path: xml, displayName: "date.xml") }
        #expect(e3?.location.path == "codeChangeList/codeChange[2]/changeOccurred")
        #expect(e3?.location.line == 12)
        #expect(e3?.message == #"changeOccurred "2020-13-01" is not a date YYYY-MM-DD"#)
    }

    @Test func missingCSVColumnListsTheHeaderFound() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = try writeFile(
            Array("oldCode;oldName;newCode;newName;date\n0124;Askim;3014;Indre Østfold;2020-01-01\n".utf8), "semi.csv", in: dir)
        let error = klassError { _ = try KlassReader.read(path: path, displayName: "semi.csv") }
        #expect(
            error?.description
                == "semi.csv:1: error: missing column changeOccurred in the header; expected oldCode,oldName,newCode,newName,changeOccurred, found oldCode,oldName,newCode,newName,date"
        )
    }

    @Test func malformedXMLAndDoctypesAreRefusedWithALine() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let broken = try writeFile(
            Array("<codeChangeList>\n<codeChange><oldCode>0124</oldCode>\n</codeChangeList>".utf8), "broken.xml", in: dir)
        let e1 = klassError { _ = try KlassReader.read(path: broken, displayName: "broken.xml") }
        #expect(e1?.location.line == 3)
        #expect(e1?.message.hasPrefix("malformed XML in a KLASS change list: ") == true)

        let xxe = try writeFile(
            Array(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE codeChangeList [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<codeChangeList><codeChange><oldCode>&x;</oldCode></codeChange></codeChangeList>"
                    .utf8), "xxe.xml", in: dir)
        let e2 = klassError { _ = try KlassReader.read(path: xxe, displayName: "xxe.xml") }
        #expect(e2?.message.hasPrefix("a DOCTYPE declaration (<!DOCTYPE codeChangeList …>) is not allowed") == true)

        let empty = try writeFile(Array("<codeChangeList/>".utf8), "empty.xml", in: dir)
        let e3 = klassError { _ = try KlassReader.read(path: empty, displayName: "empty.xml") }
        #expect(e3?.message.hasPrefix("no changes in <codeChangeList>") == true)
    }

    @Test func filesOverTheSizeLimitAreRefusedUnread() throws {
        let scratch = try TemporaryDirectory("klass-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("huge.json")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(KlassReader.maxBytes + 1))
        try handle.close()
        let error = klassError { _ = try KlassReader.read(path: url.path, displayName: "huge.json") }
        #expect(error?.message.hasPrefix("the file has 50 MB") == true)
    }

    @Test(arguments: [
        ("2020-01-01", true), ("2024-02-29", true), ("2023-02-29", false), ("2020-1-01", false), ("20200101", false),
        ("2020-01-01T00:00", false)
    ])
    func changeDatesMustBeCalendarDates(_ text: String, _ valid: Bool) {
        #expect(KlassReader.isDate(text) == valid)
    }
}
