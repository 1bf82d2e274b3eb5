import Foundation

/// What every reader is: it streams a file's cells into a sink, in file order, and says what
/// it saw (delimiter, encoding, layout, language, …) in one line for `etl inspect` and
/// `dim_source.dialect`. docs/FORMATS.md describes each reader's layouts.
public protocol CellReader: AnyObject {
    func read<S: CellSink>(into sink: inout S) throws
    /// Complete after `read` (a matrix CSV counts its footer lines while reading).
    var dialectDescription: String { get }
}

extension CSVReader: CellReader {
    public var dialectDescription: String { dialect.description }
}

extension JSONStatReader: CellReader {
    public var dialectDescription: String { "json-stat" }
}

extension SDMXReader: CellReader {
    public var dialectDescription: String { "sdmx-ml" }
}

extension PXReader: CellReader {
    public var dialectDescription: String { dialect }
}

extension HusbankenReader: CellReader {
    public var dialectDescription: String { "husbanken \(format.rawValue)" }
}

/// The formats a file can be sniffed as.
public enum SniffedFormat: String, Sendable, CaseIterable {
    case csv, jsonstat, sdmx, px, klass
}

/// Guesses a file's format: by its extension, then by its first bytes (a UTF-8 BOM and
/// blanks skipped): `{` JSON (a KLASS change list or correspondence when it says so, else
/// JSON-stat), `<` XML (SDMX), a PX keyword (`CHARSET=`, `AXIS-VERSION=`, `LANGUAGE=`,
/// `CODEPAGE=`, `MATRIX=`, …), else CSV.
public enum FormatSniffer {
    static let pxKeywords = [
        "CHARSET", "AXIS-VERSION", "LANGUAGE", "LANGUAGES", "CODEPAGE", "CREATION-DATE", "MATRIX", "DECIMALS", "SUBJECT-AREA", "TITLE",
        "CONTENTS"
    ]

    public static func sniff(path: String) -> SniffedFormat {
        let head = (try? ChunkedFile.head(path: path, count: 4096).bytes) ?? []
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return isKlassJSON(head) ? .klass : .jsonstat
        case "xml": return .sdmx
        case "px": return .px
        case "csv", "txt", "tsv": return .csv
        default: break
        }
        let body = head.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        if body.first == UInt8(ascii: "{") { return isKlassJSON(head) ? .klass : .jsonstat }
        if body.first == UInt8(ascii: "<") { return .sdmx }
        let keyword = String(decoding: body.prefix { $0 != 0x3D && $0 != 0x5B && $0 != 0x28 && $0 != 0x0A }, as: UTF8.self).uppercased()
        if pxKeywords.contains(keyword) { return .px }
        return .csv
    }

    /// A KLASS JSON download names its list in the first bytes.
    static func isKlassJSON(_ head: [UInt8]) -> Bool {
        let text = String(decoding: head.prefix(512), as: UTF8.self)
        return text.contains("\"codeChanges\"") || text.contains("\"correspondenceItems\"")
    }
}
