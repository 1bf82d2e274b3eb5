import Foundation

/// One row of a KLASS classification `changes` list (docs/FORMATS.md, "KLASS"): a code and name before
/// and after the change, and the date it took effect. A name-only change has
/// `oldCode == newCode`; one old code with several rows is a split.
public struct KlassChange: Sendable, Hashable, Codable {
    public var oldCode: String
    public var oldName: String
    public var newCode: String
    public var newName: String
    /// The first day of the new structure, `YYYY-MM-DD` as published.
    public var changeOccurred: String

    public init(oldCode: String, oldName: String, newCode: String, newName: String, changeOccurred: String) {
        self.oldCode = oldCode
        self.oldName = oldName
        self.newCode = newCode
        self.newName = newName
        self.changeOccurred = changeOccurred
    }
}

/// Reads KLASS change lists (`/classifications/131/changes`) as JSON
/// (`{"codeChanges":[{…}]}`), CSV (the same field names as a header, `,` unless the header uses
/// `;`, ISO-8859-1 unless the bytes are UTF-8) or XML (items holding `oldCode`, `oldName`,
/// `newCode`, `newName`, `changeOccurred` child elements, matched by local name).
///
/// The format comes from the extension (`.json`, `.csv`, `.xml`), else from the first byte.
/// Every row is checked: codes must be four digits (kommune codes; a three-digit code is not
/// padded) and `changeOccurred` a date `YYYY-MM-DD`. The first problem is a `ReadError` with
/// the JSON path (`codeChanges[12].newCode`), the CSV line and column, or the XML item.
public enum KlassReader {
    public enum Format: String, Sendable { case json, csv, xml }

    /// The largest file read; change lists are a few hundred kilobytes.
    public static let maxBytes = 50 << 20

    static let required = ["oldCode", "oldName", "newCode", "newName", "changeOccurred"]

    public static func read(path: String, displayName: String? = nil) throws -> [KlassChange] {
        let file = displayName ?? path
        let document = try readDocument(path: path, displayName: displayName)
        switch document.content {
        case .changes(let changes): return changes
        case .codes(let codes):
            throw ReadError(
                SourceLocation(file: file),
                "a KLASS code list (\(codes.count) codes), not a change list; expected the classification's `changes` (oldCode, newCode, changeOccurred)"
            )
        case .correspondence(let items):
            throw ReadError(
                SourceLocation(file: file),
                "a KLASS correspondence (\(items.count) items), not a change list; expected the classification's `changes` (oldCode, newCode, changeOccurred)"
            )
        }
    }

    /// Any KLASS download: a change list, a code list or a correspondence, and how it was written.
    public static func readDocument(path: String, displayName: String? = nil) throws -> KlassDocument {
        let file = displayName ?? path
        _ = try ChunkedFile(path: path, chunkSize: 16)
        if let size = ChunkedFile.size(path: path), size > maxBytes {
            throw ReadError(
                SourceLocation(file: file),
                "the file has \(size >> 20) MB; a KLASS download has far less than \(maxBytes >> 20) MB (is this the right file?)")
        }
        let bytes = try readAll(path: path)
        let format = try detect(path: path, bytes: bytes, file: file)
        switch format {
        case .json:
            // JSON must be UTF-8; KLASS downloads saved as ISO-8859-1 are read as Windows-1252.
            let (sniffed, bom) = bytes.withUnsafeBufferPointer { TextEncoding.sniff($0, isComplete: true) }
            if sniffed == .utf8 {
                return KlassDocument(
                    content: try readJSONDocument(Array(bytes.dropFirst(bom)), file: file), dialect: "klass json encoding=utf-8")
            }
            let text = TextEncoding.windows1252.decode(bytes) ?? ""
            return KlassDocument(
                content: try readJSONDocument(Array(text.utf8), file: file),
                dialect: "klass json encoding=windows-1252 (the bytes are not UTF-8)")
        case .csv:
            let (content, encoding) = try readCSVDocument(bytes, file: file)
            return KlassDocument(content: content, dialect: "klass csv encoding=\(encoding.rawValue)")
        case .xml:
            return KlassDocument(content: .changes(try readXML(bytes, file: file)), dialect: "klass xml")
        }
    }

    /// The format by extension, else by the first byte that is not a blank or a byte order mark.
    public static func detect(path: String, bytes: [UInt8], file: String) throws -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return .json
        case "csv", "txt": return .csv
        case "xml": return .xml
        default: break
        }
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        guard i < bytes.count else {
            throw ReadError(SourceLocation(file: file, line: 1), "the file is empty; expected a KLASS change list (JSON, CSV or XML)")
        }
        switch bytes[i] {
        case 0x7B, 0x5B: return .json
        case 0x3C: return .xml
        default: return .csv
        }
    }

    static func readAll(path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try ChunkedFile(path: path).forEachChunk { out.append(contentsOf: $0) }
        return out
    }

    // MARK: Validation

    static func isCode(_ s: String) -> Bool {
        s.utf8.count == 4 && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `YYYY-MM-DD` with a real month and day.
    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return false }
        func n(_ r: Range<Int>) -> Int? {
            guard r.allSatisfy({ u[$0] >= 0x30 && u[$0] <= 0x39 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(u[$1] - 0x30) }
        }
        guard let y = n(0..<4), let m = n(5..<7), let d = n(8..<10), (1800...2200).contains(y), (1...12).contains(m) else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }

    /// Checks one row's fields, calling `fail` with the field name and the message for the first problem.
    static func validate(_ fields: [String: String], fail: (String, String) -> ReadError) throws -> KlassChange {
        for f in required where fields[f] == nil {
            throw fail(f, "missing \(f); a KLASS change needs \(required.joined(separator: ", "))")
        }
        for f in ["oldCode", "newCode"] where !isCode(fields[f]!) {
            throw fail(f, "\(f) \"\(fields[f]!)\" is not a 4-digit kommune code (classification 131 codes are four digits, e.g. \"0301\")")
        }
        if !isDate(fields["changeOccurred"]!) {
            throw fail("changeOccurred", "changeOccurred \"\(fields["changeOccurred"]!)\" is not a date YYYY-MM-DD")
        }
        return KlassChange(
            oldCode: fields["oldCode"]!, oldName: fields["oldName"]!, newCode: fields["newCode"]!,
            newName: fields["newName"]!, changeOccurred: fields["changeOccurred"]!)
    }

    // MARK: JSON

    static func readJSON(_ bytes: [UInt8], file: String) throws -> [KlassChange] {
        guard case .changes(let c) = try readJSONDocument(bytes, file: file) else {
            throw ReadError(SourceLocation(file: file, path: "$"), "not a KLASS change list; expected {\"codeChanges\":[…]}")
        }
        return c
    }

    static func readJSONDocument(_ bytes: [UInt8], file: String) throws -> KlassDocument.Content {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            let (line, column, detail) = jsonErrorPosition(error, bytes: bytes)
            throw ReadError(
                SourceLocation(file: file, line: line, column: column),
                "malformed JSON: \(detail); expected a KLASS change list {\"codeChanges\":[…]}")
        }
        let items: [Any]
        let prefix: String
        if let dict = object as? [String: Any], dict["codeChanges"] == nil, let other = try readOtherJSON(dict, file: file) {
            return other
        }
        if let dict = object as? [String: Any] {
            guard let list = dict["codeChanges"] else {
                let keys = dict.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                throw ReadError(
                    SourceLocation(file: file, path: "codeChanges"),
                    "no \"codeChanges\" array; expected {\"codeChanges\":[…]}, found keys \(keys.isEmpty ? "(none)" : keys)")
            }
            guard let array = list as? [Any] else {
                throw ReadError(
                    SourceLocation(file: file, path: "codeChanges"), "\"codeChanges\" is \(jsonKind(list)); expected an array of changes")
            }
            items = array
            prefix = "codeChanges"
        } else if let array = object as? [Any] {
            items = array
            prefix = ""
        } else {
            throw ReadError(SourceLocation(file: file, path: "$"), "the document is \(jsonKind(object)); expected {\"codeChanges\":[…]}")
        }
        var out: [KlassChange] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let at = "\(prefix)[\(i)]"
            guard let dict = item as? [String: Any] else {
                throw ReadError(
                    SourceLocation(file: file, path: at),
                    "the change is \(jsonKind(item)); expected an object with \(required.joined(separator: ", "))")
            }
            var fields: [String: String] = [:]
            for f in required {
                guard let v = dict[f] else { continue }
                if let s = v as? String { fields[f] = s.trimmingCharacters(in: .whitespaces); continue }
                throw ReadError(SourceLocation(file: file, path: "\(at).\(f)"), "\(f) is \(jsonKind(v)); expected a string")
            }
            out.append(try validate(fields) { f, message in ReadError(SourceLocation(file: file, path: "\(at).\(f)"), message) })
        }
        return .changes(out)
    }

    /// `{"codes":[…]}` (a code list) or `{"correspondenceItems":[…]}` (correspondsAt).
    static func readOtherJSON(_ dict: [String: Any], file: String) throws -> KlassDocument.Content? {
        func items(_ key: String, _ fields: [String], required: [String]) throws -> [[String: String]]? {
            guard let list = dict[key] else { return nil }
            guard let array = list as? [Any] else {
                throw ReadError(SourceLocation(file: file, path: key), "\"\(key)\" is \(jsonKind(list)); expected an array")
            }
            return try array.enumerated().map { i, item in
                guard let d = item as? [String: Any] else {
                    throw ReadError(SourceLocation(file: file, path: "\(key)[\(i)]"), "the item is \(jsonKind(item)); expected an object")
                }
                var row: [String: String] = [:]
                for f in fields {
                    switch d[f] {
                    case nil, is NSNull: continue
                    case let s as String: row[f] = s.trimmingCharacters(in: .whitespaces)
                    case let n as NSNumber: row[f] = n.stringValue
                    case let v?:
                        throw ReadError(SourceLocation(file: file, path: "\(key)[\(i)].\(f)"), "\(f) is \(jsonKind(v)); expected a string")
                    }
                }
                for f in required where (row[f] ?? "").isEmpty {
                    throw ReadError(
                        SourceLocation(file: file, path: "\(key)[\(i)].\(f)"), "missing \(f); expected \(required.joined(separator: ", "))")
                }
                return row
            }
        }
        if let rows = try items("codes", KlassCode.fields, required: ["code", "name"]) { return .codes(rows.map(KlassCode.init)) }
        if let rows = try items("correspondenceItems", KlassCorrespondence.fields, required: ["sourceCode", "targetCode"]) {
            return .correspondence(rows.map(KlassCorrespondence.init))
        }
        return nil
    }

    static func jsonKind(_ v: Any) -> String {
        switch v {
        case is NSNull: return "null"
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNumber: return "a number or boolean"
        default: return "\(type(of: v))"
        }
    }

    /// Line and column of a JSONSerialization error, from its byte offset or its message.
    static func jsonErrorPosition(_ error: any Error, bytes: [UInt8]) -> (Int?, Int?, String) {
        let ns = error as NSError
        var detail = (ns.userInfo["NSDebugDescription"] as? String) ?? ns.localizedDescription
        detail = detail.trimmingCharacters(in: .whitespacesAndNewlines)
        if detail.hasSuffix(".") { detail.removeLast() }
        var offset = ns.userInfo["NSJSONSerializationErrorIndex"] as? Int
        // Foundation on Linux writes "Invalid value around character 35" (a 0-based byte offset).
        if offset == nil, let r = detail.range(of: "character ") {
            offset = Int(detail[r.upperBound...].prefix { $0.isNumber })
        }
        if let offset, offset >= 0, offset <= bytes.count {
            var line = 1
            var column = 1
            for b in bytes[..<offset] {
                if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            }
            return (line, column, detail)
        }
        // swift-foundation writes "… around line 3, column 7."
        if let r = detail.range(of: "line "), let line = Int(detail[r.upperBound...].prefix { $0.isNumber }) {
            var column: Int?
            if let c = detail.range(of: "column ") { column = Int(detail[c.upperBound...].prefix { $0.isNumber }) }
            return (line, column, detail)
        }
        return (nil, nil, detail)
    }

    // MARK: CSV

    static func readCSV(_ bytes: [UInt8], file: String) throws -> [KlassChange] {
        guard case .changes(let c) = try readCSVDocument(bytes, file: file).0 else {
            throw ReadError(
                SourceLocation(file: file, line: 1), "not a KLASS change list; expected a header \(required.joined(separator: ","))")
        }
        return c
    }

    static func readCSVDocument(_ bytes: [UInt8], file: String) throws -> (KlassDocument.Content, TextEncoding) {
        let (sniffed, bom) = bytes.withUnsafeBufferPointer { TextEncoding.sniff($0, isComplete: true) }
        // KLASS's default charset is ISO-8859-1; anything that is not valid UTF-8 is read so.
        let encoding: TextEncoding = sniffed == .utf8 ? .utf8 : .iso88591
        let body = bytes.dropFirst(bom)
        let firstLine = body.prefix { $0 != 0x0A && $0 != 0x0D }
        let delimiter: UInt8 = !firstLine.contains(0x2C) && firstLine.contains(0x3B) ? 0x3B : 0x2C

        var scanner = CSVScanner(delimiter: delimiter, file: file)
        var header: [String]?
        var columns: [String: Int] = [:]
        var out: [KlassChange] = []
        var other: KlassDocument.Kind? = nil
        var rows: [[String: String]] = []
        func onRecord(_ rec: borrowing CSVRecord) throws {
            if rec.isBlank { return }
            var fields: [String] = []
            for i in 0..<rec.count {
                guard let s = rec.withField(i, { encoding.decode($0) }) else {
                    throw ReadError(
                        SourceLocation(file: file, line: rec.line, column: i + 1), "field \(i + 1) is not valid \(encoding.rawValue) text")
                }
                fields.append(s.trimmingCharacters(in: .whitespaces))
            }
            guard let h = header else {
                header = fields
                for (i, n) in fields.enumerated() where columns[n] == nil { columns[n] = i }
                if columns["code"] != nil && columns["name"] != nil { other = .codes; return }
                if columns["sourceCode"] != nil && columns["targetCode"] != nil { other = .correspondence; return }
                let missing = required.filter { columns[$0] == nil }
                if !missing.isEmpty {
                    throw ReadError(
                        SourceLocation(file: file, line: rec.line),
                        "missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) in the header; expected \(required.joined(separator: ",")), found \(fields.joined(separator: ","))"
                    )
                }
                return
            }
            if let other {
                // Code lists stop a row after its last non-empty field (`notes`): fewer fields are empty ones.
                guard fields.count <= h.count else {
                    throw ReadError(
                        SourceLocation(file: file, line: rec.line),
                        "expected at most \(h.count) fields as in the header, found \(fields.count)")
                }
                var row: [String: String] = [:]
                for (n, i) in columns where i < fields.count { row[n] = fields[i] }
                let needed = other == .codes ? ["code", "name"] : ["sourceCode", "targetCode"]
                for f in needed where (row[f] ?? "").isEmpty {
                    throw ReadError(
                        SourceLocation(file: file, line: rec.line, column: columns[f]! + 1),
                        "\(f) is empty; expected \(needed.joined(separator: " and ")) on every row")
                }
                rows.append(row)
                return
            }
            guard fields.count == h.count else {
                throw ReadError(
                    SourceLocation(file: file, line: rec.line), "expected \(h.count) fields as in the header, found \(fields.count)")
            }
            var row: [String: String] = [:]
            for f in required { row[f] = fields[columns[f]!] }
            let line = rec.line
            out.append(
                try validate(row) { f, message in
                    ReadError(SourceLocation(file: file, line: line, column: columns[f].map { $0 + 1 }), message)
                })
        }
        try Array(body).withUnsafeBufferPointer { try scanner.feed($0, onRecord) }
        try scanner.finish(onRecord)
        if header == nil {
            throw ReadError(
                SourceLocation(file: file, line: 1), "the file is empty; expected a header \(required.joined(separator: ",")) and rows")
        }
        switch other {
        case .codes?: return (.codes(rows.map(KlassCode.init)), encoding)
        case .correspondence?: return (.correspondence(rows.map(KlassCorrespondence.init)), encoding)
        default: return (.changes(out), encoding)
        }
    }

    // MARK: XML

    static func readXML(_ bytes: [UInt8], file: String) throws -> [KlassChange] {
        let fieldNames = Set(required + ["oldShortName", "newShortName"])
        var stack: [String] = []
        // Per open element: the fields its children carried, and where it started.
        var records: [[String: String]] = []
        var recordLines: [Int] = []
        var capture: String?
        var text: [UInt8] = []
        var itemCount = 0
        var out: [KlassChange] = []
        var root = ""
        let parser = SafeSAXParser(purpose: "a KLASS change list") { line, column in
            SourceLocation(file: file, line: line, column: column)
        }
        parser.onStart = { [unowned parser] name, _ in
            let n = String(cString: name)
            if stack.isEmpty { root = n }
            if let field = fieldNames.contains(n) ? n : nil, !stack.isEmpty {
                capture = field
                text.removeAll(keepingCapacity: true)
            }
            stack.append(n)
            records.append([:])
            recordLines.append(parser.line)
        }
        parser.onText = { bytes in if capture != nil { text.append(contentsOf: bytes) } }
        parser.onEnd = { _ in
            let n = stack.removeLast()
            let fields = records.removeLast()
            let line = recordLines.removeLast()
            if let field = capture, field == n {
                capture = nil
                let value = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !records.isEmpty, records[records.count - 1][field] == nil { records[records.count - 1][field] = value }
                return
            }
            // An element whose children carried change fields is one change.
            guard fields["oldCode"] != nil || fields["newCode"] != nil || fields["changeOccurred"] != nil else { return }
            itemCount += 1
            let at = "\(stack.joined(separator: "/"))/\(n)[\(itemCount)]"
            out.append(
                try validate(fields) { f, message in
                    ReadError(SourceLocation(file: file, line: line, path: "\(at)/\(f)"), message)
                })
        }
        let chunk = 1 << 20
        var offset = 0
        try bytes.withUnsafeBufferPointer { all in
            while offset < all.count {
                let end = min(offset + chunk, all.count)
                try parser.feed(UnsafeBufferPointer(rebasing: all[offset..<end]))
                offset = end
            }
        }
        try parser.finish()
        parser.onStart = { _, _ in }
        parser.onEnd = { _ in }
        if root.isEmpty {
            throw ReadError(SourceLocation(file: file, line: 1), "the file is empty; expected a KLASS change list <codeChangeList>…")
        }
        if itemCount == 0 {
            throw ReadError(
                SourceLocation(file: file, path: root),
                "no changes in <\(root)>; expected items with oldCode, oldName, newCode, newName and changeOccurred elements")
        }
        return out
    }
}

/// A KLASS download as read: what it holds and how it was written (for `etl inspect`).
public struct KlassDocument: Sendable {
    public enum Kind: Sendable { case changes, codes, correspondence }
    public enum Content: Sendable {
        case changes([KlassChange])
        case codes([KlassCode])
        case correspondence([KlassCorrespondence])
    }
    public var content: Content
    /// `klass json encoding=windows-1252 (the bytes are not UTF-8)`, `klass csv encoding=iso-8859-1`, …
    public var dialect: String
}

/// One code of a classification as `codes` / `codesAt` serve it; empty fields are "".
public struct KlassCode: Sendable, Hashable {
    public var code, parentCode, level, name, shortName, notes, validFrom, validTo: String
    static let fields = ["code", "parentCode", "level", "name", "shortName", "notes", "validFrom", "validTo"]

    init(_ row: [String: String]) {
        code = row["code"] ?? ""; parentCode = row["parentCode"] ?? ""; level = row["level"] ?? ""; name = row["name"] ?? ""
        shortName = row["shortName"] ?? ""; notes = row["notes"] ?? ""; validFrom = row["validFrom"] ?? ""; validTo = row["validTo"] ?? ""
    }
}

/// One item of a correspondence (`correspondsAt`): a code of one classification or version and the code it corresponds to.
public struct KlassCorrespondence: Sendable, Hashable {
    public var sourceCode, sourceName, targetCode, targetName: String
    static let fields = ["sourceCode", "sourceName", "targetCode", "targetName"]

    init(_ row: [String: String]) {
        sourceCode = row["sourceCode"] ?? ""; sourceName = row["sourceName"] ?? ""; targetCode = row["targetCode"] ?? "";
        targetName = row["targetName"] ?? ""
    }
}
