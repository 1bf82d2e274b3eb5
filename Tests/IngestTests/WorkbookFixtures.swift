import Foundation
import Testing
import TestSupport
@testable import Ingest

/// Hand-made workbooks and ZIP archives for the Husbanken, XLSX and ZIP suites.

func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// A cell of a hand-made workbook.
enum XCell {
    case shared(String)
    case inline(String)
    case number(String)
    case bool(Bool)
    case none
}

func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
        of: "\"", with: "&quot;")
}

/// Sheet XML and the shared-string table for rows of cells (row numbers from `firstRow`).
func sheetXML(_ rows: [[XCell]], firstRow: Int = 1) -> (sheet: String, shared: [String]) {
    var shared: [String] = []
    var index: [String: Int] = [:]
    var s = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    s +=
        #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
    s += #"<dimension ref="A1:G9"/><sheetData>"#
    for (k, row) in rows.enumerated() {
        let r = firstRow + k
        s += #"<row r="\#(r)" spans="1:7">"#
        for (c, cell) in row.enumerated() {
            let ref = XLSXSheetReader.columnLetters(c) + String(r)
            switch cell {
            case .shared(let t):
                let i =
                    index[t]
                    ?? {
                        shared.append(t); index[t] = shared.count - 1; return shared.count - 1
                    }()
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

func sharedStringsXML(_ strings: [String]) -> String {
    var s = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    s +=
        #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(strings.count)" uniqueCount="\#(strings.count)">"#
    for t in strings { s += "<si><t>\(xmlEscape(t))</t></si>" }
    return s + "</sst>"
}

/// The entries of an archive to write, in order.
typealias ZipItems = [(path: String, data: [UInt8])]

/// Writes a minimal workbook: [Content_Types].xml, xl/workbook.xml, its relationships,
/// xl/sharedStrings.xml and xl/worksheets/sheet1.xml (or `sheet` as given).
func writeWorkbook(
    _ url: URL, sheetName: String = "Ark1", sheet: String, shared: [String],
    extra: (inout ZipItems) throws -> Void = { _ in }
) throws {
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

func writeWorkbook(_ url: URL, rows: [[XCell]], sheetName: String = "Ark1") throws {
    let (sheet, shared) = sheetXML(rows)
    try writeWorkbook(url, sheetName: sheetName, sheet: sheet, shared: shared)
}
