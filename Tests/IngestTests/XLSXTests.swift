import Foundation
import Testing
import TestSupport
@testable import Ingest

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
        #"<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">"#
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
        try writeWorkbook(
            url, sheet: #"<worksheet><sheetData><row r="4"><c r="B4" t="s"><v>7</v></c></row></sheetData></worksheet>"#, shared: ["a"])
        let reader = try XLSXSheetReader(path: url.path, displayName: "ss.xlsx")
        let error = readError { try reader.forEachRow { _ in } }
        #expect(
            error?.description
                == #"ss.xlsx:Ark1 row 4 column B: error: shared string index "7" is not in the shared-strings table (1 strings)"#)
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
