// Why this file is long: workbook, relationships, shared strings and the sheet are read by one
// streaming reader under one byte budget.

import CLibXML2
import Foundation

/// Reads one sheet of an Office Open XML workbook (.xlsx) as a stream of rows.
///
/// Opens the archive with `ZipArchive` (over the system zlib), reads `xl/workbook.xml` and
/// `xl/_rels/workbook.xml.rels` to find the first visible sheet (or the one named), loads
/// `xl/sharedStrings.xml`, and streams the sheet XML through libxml2's SAX push parser
/// chunk by chunk as the entry inflates, so memory holds the shared strings and one row.
///
/// Security: nothing is written to disk; an archive with an absolute entry path or one
/// containing `..` is refused; inflated bytes are counted as they stream and a read stops at
/// `limits.maxUncompressedBytes`, at `limits.maxCompressionRatio`, or as soon as an entry
/// inflates past the size its header declares; XML with a DOCTYPE (entities, XXE) is refused.
public struct XLSXSheetReader {
    public let path: String
    /// The name used in locations and messages (the file's display name).
    public let displayName: String
    public let limits: XLSXLimits
    /// The sheet's name as the workbook's tabs show it.
    public let sheetName: String
    /// The sheet's entry in the archive (`xl/worksheets/sheet1.xml`).
    public let sheetEntry: String
    /// All sheets of the workbook in tab order.
    public let sheetNames: [String]

    private let archive: ZipArchive
    private let entries: [String: ZipEntry]
    private let sharedStringsEntry: String?
    /// Bytes inflated while opening (workbook and relationships), charged to every read.
    private let openingBytes: Int

    /// Opens the workbook and finds the sheet: `sheet` by name (exact, then ignoring case),
    /// or the first visible sheet.
    public init(path: String, sheet: String? = nil, displayName: String? = nil, limits: XLSXLimits = XLSXLimits()) throws {
        self.path = path
        let file = displayName ?? path
        self.displayName = file
        self.limits = limits
        // Report a missing file or a directory the way the text readers do.
        _ = try ChunkedFile(path: path, chunkSize: 16)
        let head = (try? ChunkedFile.head(path: path, count: 8).bytes) ?? []
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ReadError(
                SourceLocation(file: file),
                "an old Excel .xls file or a password-protected workbook (an OLE compound file); expected an .xlsx workbook (a ZIP archive): save it as .xlsx or as semicolon CSV"
            )
        }
        guard head.starts(with: [0x50, 0x4B]) else {
            throw ReadError(
                SourceLocation(file: file), "not an .xlsx workbook: expected a ZIP archive (starting with \"PK\"), found other bytes")
        }
        let archive: ZipArchive
        do {
            archive = try ZipArchive(path: path, displayName: file)
        } catch {
            let reason = (error as? ReadError).map { e in e.location.path.map { "\($0): \(e.message)" } ?? e.message } ?? "\(error)"
            throw ReadError(
                SourceLocation(file: file),
                "not a readable .xlsx workbook: the ZIP archive is damaged (\(reason)); expected a ZIP archive with xl/workbook.xml")
        }
        self.archive = archive

        // Every entry's path is checked, whether or not it is read.
        var entries: [String: ZipEntry] = [:]
        var count = 0
        for entry in archive.entries {
            count += 1
            if count > limits.maxEntries {
                throw ReadError(
                    SourceLocation(file: file),
                    "the archive has more than \(limits.maxEntries) entries; an .xlsx workbook has a few dozen (refusing a crafted archive)"
                )
            }
            let p = entry.path
            if let problem = XLSXSheetReader.unsafePathProblem(p) {
                throw ReadError(
                    SourceLocation(file: file, path: p),
                    "entry path \(problem); refusing the workbook (entries must stay inside the archive)")
            }
            if entries[p] == nil { entries[p] = entry }
        }
        self.entries = entries

        var budget = XLSXBudget(limits: limits)
        let workbookPath = "xl/workbook.xml"
        guard let workbook = XLSXSheetReader.lookup(workbookPath, in: entries) else {
            let found = entries.keys.sorted().prefix(10).joined(separator: ", ")
            throw ReadError(
                SourceLocation(file: file),
                "not an Excel workbook: no xl/workbook.xml in the archive; found \(found.isEmpty ? "no entries" : found)")
        }
        let sheets = try XLSXSheetReader.parseWorkbook(archive: archive, entry: workbook, file: file, budget: &budget)
        var relationships: [String: XLSXRelationship] = [:]
        if let rels = XLSXSheetReader.lookup("xl/_rels/workbook.xml.rels", in: entries) {
            relationships = try XLSXSheetReader.parseRelationships(archive: archive, entry: rels, file: file, budget: &budget)
        }
        if sheets.isEmpty {
            throw ReadError(
                SourceLocation(file: file, path: workbook.path), "the workbook lists no sheets; expected at least one <sheet> in <sheets>")
        }
        sheetNames = sheets.map(\.name)

        let chosen: XLSXSheetInfo
        if let sheet {
            guard let s = sheets.first(where: { $0.name == sheet }) ?? sheets.first(where: { $0.name.lowercased() == sheet.lowercased() })
            else {
                throw ReadError(
                    SourceLocation(file: file),
                    "no sheet named \"\(sheet)\"; the workbook has \(sheets.map { "\"\($0.name)\"" }.joined(separator: ", "))")
            }
            chosen = s
        } else {
            chosen = sheets.first(where: { !$0.hidden }) ?? sheets[0]
        }
        sheetName = chosen.name

        // The sheet's entry: through its relationship, else the conventional name.
        var target: String?
        if let id = chosen.relationshipID, let rel = relationships[id] {
            if rel.external {
                throw ReadError(
                    SourceLocation(file: file, path: "xl/_rels/workbook.xml.rels"),
                    "sheet \"\(chosen.name)\" points outside the workbook (TargetMode=\"External\" \(rel.target)); refusing")
            }
            guard let resolved = XLSXSheetReader.resolveTarget(rel.target, base: "xl") else {
                throw ReadError(
                    SourceLocation(file: file, path: "xl/_rels/workbook.xml.rels"),
                    "sheet \"\(chosen.name)\" has target \"\(rel.target)\" outside the archive; refusing")
            }
            target = resolved
        }
        let candidates = [target, chosen.sheetID.map { "xl/worksheets/sheet\($0)" + ".xml" }].compactMap { $0 }
        guard let entryPath = candidates.first(where: { XLSXSheetReader.lookup($0, in: entries) != nil }) else {
            throw ReadError(
                SourceLocation(file: file),
                "sheet \"\(chosen.name)\" has no worksheet in the archive; expected \(candidates.first ?? "xl/worksheets/sheet1.xml")")
        }
        sheetEntry = XLSXSheetReader.lookup(entryPath, in: entries)!.path

        // Shared strings: through the workbook's relationships, else the conventional name.
        var shared = relationships.values.first { $0.type.hasSuffix("/sharedStrings") && !$0.external }
            .flatMap { XLSXSheetReader.resolveTarget($0.target, base: "xl") }
        if shared.map({ XLSXSheetReader.lookup($0, in: entries) }) == nil { shared = nil }
        if shared == nil, XLSXSheetReader.lookup("xl/sharedStrings.xml", in: entries) != nil { shared = "xl/sharedStrings.xml" }
        sharedStringsEntry = shared.flatMap { XLSXSheetReader.lookup($0, in: entries)?.path }
        openingBytes = budget.used
    }

    /// Calls `body` with each row that has at least one cell, in file order.
    public func forEachRow(_ body: (XLSXRow) throws -> Void) throws {
        var budget = XLSXBudget(limits: limits)
        budget.used = openingBytes
        var sharedStrings: [String] = []
        if let s = sharedStringsEntry, let entry = entries[s] {
            sharedStrings = try loadSharedStrings(entry, budget: &budget)
        }
        let entry = entries[sheetEntry]!
        let state = XLSXSheetState(file: displayName, sheet: sheetName, entry: sheetEntry, sharedStrings: sharedStrings)
        try withoutActuallyEscaping(body) { body in
            let parser = SafeSAXParser(purpose: "an .xlsx worksheet") { [displayName, sheetEntry] line, column in
                SourceLocation(file: displayName, path: "\(sheetEntry) line \(line)" + (column.map { " column \($0)" } ?? ""))
            }
            parser.onStart = { name, attributes in try state.start(name, attributes) }
            parser.onEnd = { name in try state.end(name, body) }
            parser.onText = { text in state.text(text) }
            // `body` must not outlive this call.
            defer { parser.onEnd = { _ in } }
            try stream(entry, budget: &budget) { chunk in try parser.feed(chunk) }
            try parser.finish()
        }
        if !state.sawSheetData {
            throw ReadError(
                SourceLocation(file: displayName, path: sheetEntry), "no <sheetData> element; expected an Office Open XML worksheet")
        }
    }

    // MARK: Entries

    /// Why an entry path is unsafe, or nil: absolute, a drive letter, or a `..` component.
    static func unsafePathProblem(_ p: String) -> String? {
        if p.isEmpty { return "is empty" }
        if p.hasPrefix("/") || p.hasPrefix("\\") { return "\"\(p)\" is absolute" }
        let u = Array(p.utf8)
        if u.count >= 2, u[1] == 0x3A, (u[0] | 0x20) >= 0x61, (u[0] | 0x20) <= 0x7A { return "\"\(p)\" starts with a drive letter" }
        if u.contains(0) { return "\"\(p)\" contains a NUL byte" }
        let parts = p.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if parts.contains("..") { return "\"\(p)\" contains \"..\"" }
        return nil
    }

    /// Resolves a relationship target relative to a folder of the archive (`worksheets/sheet1.xml`
    /// → `xl/worksheets/sheet1.xml`, `/xl/x.xml` → `xl/x.xml`), or nil when it leaves the archive.
    static func resolveTarget(_ target: String, base: String) -> String? {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for part in target.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    static func lookup(_ p: String, in entries: [String: ZipEntry]) -> ZipEntry? {
        if let e = entries[p] { return e }
        let lower = p.lowercased()
        return entries.first { $0.key.lowercased() == lower }?.value
    }

    /// Inflates an entry chunk by chunk, enforcing the limits on the bytes as they stream.
    private func stream(_ entry: ZipEntry, budget: inout XLSXBudget, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try XLSXSheetReader.stream(archive: archive, entry: entry, file: displayName, budget: &budget, body)
    }

    static func stream(
        archive: ZipArchive, entry: ZipEntry, file: String, budget: inout XLSXBudget,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let name = entry.path
        let location = SourceLocation(file: file, path: name)
        guard !entry.isDirectory, !entry.isSymbolicLink else {
            throw ReadError(location, "the entry is a \(entry.isSymbolicLink ? "symbolic link" : "directory"); expected a file")
        }
        try budget.checkHeader(entry, location: location)
        var inflated = 0
        var failure: (any Error)?
        do {
            try archive.extract(entry, chunkSize: 64 << 10) { chunk in
                inflated += chunk.count
                do {
                    try budget.account(chunk.count, entryBytes: inflated, entry: entry, location: location)
                    try body(chunk)
                } catch {
                    failure = error
                    throw error
                }
            }
        } catch {
            if let failure { throw failure }
            if let e = error as? ReadError, e.message.hasPrefix(ZipArchive.crcMismatchPrefix) {
                throw ReadError(location, "the entry's CRC-32 does not match its header; the archive is damaged")
            }
            throw ReadError(location, "cannot inflate the entry: the archive is damaged (\((error as? ReadError)?.message ?? "\(error)"))")
        }
    }

    // MARK: Workbook parts

    private static func parseWorkbook(archive: ZipArchive, entry: ZipEntry, file: String, budget: inout XLSXBudget) throws
        -> [XLSXSheetInfo]
    {
        var sheets: [XLSXSheetInfo] = []
        let parser = SafeSAXParser.forEntry(file: file, entry: entry.path, purpose: "an .xlsx workbook part")
        parser.onStart = { name, attributes in
            guard cStringEquals(name, "sheet") else { return }
            guard let n = attributes.value("name") else {
                throw ReadError(SourceLocation(file: file, path: entry.path), "sheet \(sheets.count + 1) has no name attribute")
            }
            let state = attributes.value("state")
            sheets.append(
                XLSXSheetInfo(
                    name: n, sheetID: attributes.value("sheetId"),
                    relationshipID: attributes.value("id", namespaced: true),
                    hidden: state == "hidden" || state == "veryHidden"))
        }
        try stream(archive: archive, entry: entry, file: file, budget: &budget) { try parser.feed($0) }
        try parser.finish()
        return sheets
    }

    private static func parseRelationships(archive: ZipArchive, entry: ZipEntry, file: String, budget: inout XLSXBudget) throws -> [String:
        XLSXRelationship]
    {
        var rels: [String: XLSXRelationship] = [:]
        let parser = SafeSAXParser.forEntry(file: file, entry: entry.path, purpose: "an .xlsx relationships part")
        parser.onStart = { name, attributes in
            guard cStringEquals(name, "Relationship"), let id = attributes.value("Id"), let target = attributes.value("Target") else {
                return
            }
            rels[id] = XLSXRelationship(
                target: target, type: attributes.value("Type") ?? "",
                external: attributes.value("TargetMode")?.lowercased() == "external")
        }
        try stream(archive: archive, entry: entry, file: file, budget: &budget) { try parser.feed($0) }
        try parser.finish()
        return rels
    }

    /// The shared string table: the text of each `si`, its runs joined, phonetic hints left out.
    private func loadSharedStrings(_ entry: ZipEntry, budget: inout XLSXBudget) throws -> [String] {
        var strings: [String] = []
        var buffer: [UInt8] = []
        var inItem = false
        var capture = false
        var phonetic = 0
        let parser = SafeSAXParser.forEntry(file: displayName, entry: entry.path, purpose: "an .xlsx shared-strings part")
        parser.onStart = { name, _ in
            if cStringEquals(name, "si") {
                inItem = true; buffer.removeAll(keepingCapacity: true)
            } else if cStringEquals(name, "rPh") {
                phonetic += 1
            } else if cStringEquals(name, "t"), inItem, phonetic == 0 {
                capture = true
            }
        }
        parser.onEnd = { name in
            if cStringEquals(name, "t") {
                capture = false
            } else if cStringEquals(name, "rPh") {
                phonetic -= 1
            } else if cStringEquals(name, "si") {
                inItem = false
                strings.append(String(decoding: buffer, as: UTF8.self))
            }
        }
        parser.onText = { text in if capture { buffer.append(contentsOf: text) } }
        try stream(entry, budget: &budget) { try parser.feed($0) }
        try parser.finish()
        return strings
    }

    // MARK: Column letters

    /// The 0-based column of a cell reference (`C12` → 2, `AA1` → 26), or nil when it has no
    /// letters or names a column past XFD (16 384).
    public static func columnIndex(of reference: String) -> Int? {
        var value = 0
        var letters = 0
        for b in reference.utf8 {
            let u = b & ~0x20
            if u >= 0x41 && u <= 0x5A {
                letters += 1
                if letters > 3 { return nil }
                value = value * 26 + Int(u - 0x40)
            } else {
                break
            }
        }
        guard letters > 0, value <= 16_384 else { return nil }
        return value - 1
    }

    /// The column letters of a 0-based column index (2 → `C`).
    public static func columnLetters(_ index: Int) -> String {
        var n = index + 1
        var out: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            out.append(UInt8(0x41 + r))
            n = (n - 1) / 26
        }
        return String(decoding: out.reversed(), as: UTF8.self)
    }
}

struct XLSXSheetInfo {
    var name: String
    var sheetID: String?
    var relationshipID: String?
    var hidden: Bool
}

struct XLSXRelationship {
    var target: String
    var type: String
    var external: Bool
}

/// Counts inflated bytes against the limits.
struct XLSXBudget {
    let limits: XLSXLimits
    var used = 0

    init(limits: XLSXLimits) { self.limits = limits }

    private func megabytes(_ n: Int) -> String {
        n >= 1 << 20 ? "\(n >> 20) MB" : "\(n) bytes"
    }

    /// Refuses an entry whose header already declares too much.
    func checkHeader(_ entry: ZipEntry, location: SourceLocation) throws {
        let declared = entry.uncompressedSize
        let compressed = max(entry.compressedSize, 1)
        if declared > UInt64(max(limits.maxUncompressedBytes - used, 0)) {
            throw ReadError(
                location,
                "the entry declares \(declared) bytes uncompressed, more than the \(megabytes(limits.maxUncompressedBytes)) a workbook may inflate to; refusing (a zip bomb, or a workbook too large to read: save the sheet as CSV)"
            )
        }
        if declared >= UInt64(limits.ratioCheckMinimumBytes), declared / compressed > UInt64(limits.maxCompressionRatio) {
            throw ReadError(
                location,
                "the entry declares a compression ratio of \(declared / compressed):1 (\(declared) bytes from \(entry.compressedSize)); more than \(limits.maxCompressionRatio):1 is refused as a zip bomb"
            )
        }
    }

    /// Accounts for bytes as they inflate; the header is not trusted.
    mutating func account(_ n: Int, entryBytes: Int, entry: ZipEntry, location: SourceLocation) throws {
        used += n
        if UInt64(entryBytes) > entry.uncompressedSize {
            throw ReadError(
                location,
                "the entry inflates to more than the \(entry.uncompressedSize) bytes its header declares; the archive is damaged or crafted (zip bomb); refusing"
            )
        }
        if used > limits.maxUncompressedBytes {
            throw ReadError(
                location,
                "more than \(megabytes(limits.maxUncompressedBytes)) inflated; refusing (a zip bomb, or a workbook too large to read: save the sheet as CSV)"
            )
        }
        let compressed = max(Int(clamping: entry.compressedSize), 1)
        if entryBytes >= limits.ratioCheckMinimumBytes, entryBytes / compressed > limits.maxCompressionRatio {
            throw ReadError(
                location,
                "the entry inflates at more than \(limits.maxCompressionRatio):1 (\(entryBytes) bytes from \(entry.compressedSize) compressed); refusing as a zip bomb"
            )
        }
    }
}

/// Builds rows from a worksheet's SAX events.
final class XLSXSheetState {
    let file: String
    let sheet: String
    let entry: String
    let sharedStrings: [String]
    var sawSheetData = false

    private var inSheetData = false
    private var inRow = false
    private var rowNumber = 0
    private var values: [String] = []
    private var kinds: [XLSXCellKind] = []
    private var nextColumn = 0
    private var inCell = false
    private var cellColumn = 0
    private var cellType = ""
    private var capture = false
    private var inInline = false
    private var phonetic = 0
    private var valueBytes: [UInt8] = []
    private var inlineBytes: [UInt8] = []
    private var hasValue = false

    init(file: String, sheet: String, entry: String, sharedStrings: [String]) {
        self.file = file
        self.sheet = sheet
        self.entry = entry
        self.sharedStrings = sharedStrings
    }

    private func location(column: Int? = nil) -> SourceLocation {
        var p = "\(sheet) row \(rowNumber)"
        if let column { p += " column \(XLSXSheetReader.columnLetters(column))" }
        return SourceLocation(file: file, path: p)
    }

    func start(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) throws {
        if cStringEquals(name, "sheetData") {
            inSheetData = true
            sawSheetData = true
        } else if !inSheetData {
            return
        } else if cStringEquals(name, "row") {
            inRow = true
            if let r = attributes.value("r") {
                guard let n = Int(r), n >= 1, n <= 1_048_576 else {
                    throw ReadError(
                        SourceLocation(file: file, path: "\(sheet) after row \(rowNumber)"),
                        "row number \"\(r)\" is not between 1 and 1048576")
                }
                rowNumber = n
            } else {
                rowNumber += 1
            }
            values.removeAll(keepingCapacity: true)
            kinds.removeAll(keepingCapacity: true)
            nextColumn = 0
        } else if cStringEquals(name, "c"), inRow {
            inCell = true
            hasValue = false
            valueBytes.removeAll(keepingCapacity: true)
            inlineBytes.removeAll(keepingCapacity: true)
            cellType = attributes.value("t") ?? "n"
            if let r = attributes.value("r") {
                guard let c = XLSXSheetReader.columnIndex(of: r) else {
                    throw ReadError(location(), "cell reference \"\(r)\" does not start with a column A–XFD")
                }
                cellColumn = c
            } else {
                cellColumn = nextColumn
                if cellColumn >= 16_384 {
                    throw ReadError(location(), "more than 16384 cells in the row")
                }
            }
        } else if inCell {
            if cStringEquals(name, "v") {
                capture = true; hasValue = true
            } else if cStringEquals(name, "is") {
                inInline = true; hasValue = true
            } else if cStringEquals(name, "rPh") {
                phonetic += 1
            } else if cStringEquals(name, "t"), inInline, phonetic == 0 {
                capture = true
            }
        }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard capture else { return }
        if inInline { inlineBytes.append(contentsOf: bytes) } else { valueBytes.append(contentsOf: bytes) }
    }

    func end(_ name: UnsafePointer<UInt8>, _ body: (XLSXRow) throws -> Void) throws {
        guard inSheetData else { return }
        if inCell {
            if cStringEquals(name, "v") || cStringEquals(name, "t") {
                capture = false
            } else if cStringEquals(name, "is") {
                inInline = false
            } else if cStringEquals(name, "rPh") {
                phonetic -= 1
            } else if cStringEquals(name, "c") {
                inCell = false; try finishCell()
            }
        } else if cStringEquals(name, "row"), inRow {
            inRow = false
            while let last = values.last, last.isEmpty { values.removeLast(); kinds.removeLast() }
            if !values.isEmpty { try body(XLSXRow(number: rowNumber, values: values, kinds: kinds)) }
        } else if cStringEquals(name, "sheetData") {
            inSheetData = false
        }
    }

    private func finishCell() throws {
        nextColumn = cellColumn + 1
        guard hasValue else { return }
        let raw = String(decoding: valueBytes, as: UTF8.self)
        let value: String
        let kind: XLSXCellKind
        switch cellType {
        case "s":
            let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let i = Int(t), i >= 0, i < sharedStrings.count else {
                throw ReadError(
                    location(column: cellColumn),
                    "shared string index \"\(t)\" is not in the shared-strings table (\(sharedStrings.count) strings)")
            }
            value = sharedStrings[i]
            kind = .string
        case "inlineStr":
            value = String(decoding: inlineBytes, as: UTF8.self)
            kind = .string
        case "str":
            value = raw
            kind = .string
        case "b":
            let t = raw.trimmingCharacters(in: .whitespaces)
            value = t == "1" || t.lowercased() == "true" ? "TRUE" : "FALSE"
            kind = .boolean
        case "e":
            value = raw
            kind = .error
        case "d":
            value = raw.trimmingCharacters(in: .whitespaces)
            kind = .date
        default:
            value = raw.trimmingCharacters(in: .whitespaces)
            kind = .number
        }
        if value.isEmpty { return }
        if cellColumn >= values.count {
            values.append(contentsOf: repeatElement("", count: cellColumn - values.count + 1))
            kinds.append(contentsOf: repeatElement(.empty, count: cellColumn - kinds.count + 1))
        }
        values[cellColumn] = value
        kinds[cellColumn] = kind
    }
}
