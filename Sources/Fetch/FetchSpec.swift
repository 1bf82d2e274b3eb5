import Foundation
import Ingest

/// A remote source to bring into the landing folder: a PxWebApi v2 table or a KLASS change list.
///
/// Flat and Codable so it can sit under a pipeline source's `fetch:` key (where the source's
/// `path` is the landing path) or in a standalone fetch file (where `path` says it). Example:
///
///     {"id": "kostra_12209", "kind": "pxweb", "table": "12209", "path": "landing/12209.json",
///      "select": {"KOKkommuneregion0000": "*", "ContentsCode": ["KOSAG110000"], "Tid": ["2022", "2023"]},
///      "codelist": {"KOKkommuneregion0000": "agg_KommSummer"}, "format": "json-stat2"}
///     {"id": "klass_131", "kind": "klass", "classification": 131, "from": "2017-01-01", "to": "2025-01-02",
///      "path": "landing/kommuneendringer.json"}
public struct FetchSpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case pxweb, klass }

    /// The response format to ask for. PxWebApi: `json-stat2` (default) or `csv`; KLASS: `json` (default) or `csv`.
    public enum Format: String, Codable, Sendable, CaseIterable {
        case jsonStat2 = "json-stat2"
        case csv
        case json
    }

    /// The source id (for messages and results); optional.
    public var id: String?
    public var kind: Kind
    /// Landing path of the file. Optional when the caller supplies it (a pipeline source's `path`).
    public var path: String?
    /// Output format; see `Format`.
    public var format: Format?

    // PxWebApi v2
    /// Table id, e.g. `"12209"`.
    public var table: String?
    /// Language of labels (`no` or `en`); default `no`.
    public var lang: String?
    /// Dimension id → value codes, or `"*"` for all. Dimensions left out are eliminated by the API,
    /// which is allowed only where the table says they can be (`elimination: true`).
    public var select: [String: ValueSelection]?
    /// Dimension id → code list (e.g. `agg_KommSummer`, SSB's merged municipality series).
    public var codelist: [String: String]?

    // KLASS
    /// Classification id; default 131 (kommune). 104 fylke, 231 KOSTRA region.
    public var classification: Int?
    /// First day of the change window (`YYYY-MM-DD`, inclusive).
    public var from: String?
    /// End of the change window (`YYYY-MM-DD`, exclusive); default the day after the fetch.
    public var to: String?

    public init(
        id: String? = nil, kind: Kind, path: String? = nil, format: Format? = nil, table: String? = nil, lang: String? = nil,
        select: [String: ValueSelection]? = nil, codelist: [String: String]? = nil,
        classification: Int? = nil, from: String? = nil, to: String? = nil
    ) {
        self.id = id; self.kind = kind; self.path = path; self.format = format; self.table = table; self.lang = lang
        self.select = select; self.codelist = codelist; self.classification = classification; self.from = from; self.to = to
    }

    /// A PxWebApi table request.
    public static func pxweb(
        _ table: String, select: [String: ValueSelection], codelist: [String: String]? = nil,
        format: Format = .jsonStat2, lang: String = "no", path: String? = nil, id: String? = nil
    ) -> FetchSpec {
        FetchSpec(id: id, kind: .pxweb, path: path, format: format, table: table, lang: lang, select: select, codelist: codelist)
    }

    /// A KLASS change-list request.
    public static func klass(
        _ classification: Int = 131, from: String, to: String? = nil, format: Format = .json,
        path: String? = nil, id: String? = nil
    ) -> FetchSpec {
        FetchSpec(id: id, kind: .klass, path: path, format: format, classification: classification, from: from, to: to)
    }

    /// What to call this source in messages.
    public var name: String {
        if let id { return id }
        switch kind {
        case .pxweb: return "table \(table ?? "?")"
        case .klass: return "klass \(classification ?? 131)"
        }
    }

    public var effectiveFormat: Format { format ?? (kind == .pxweb ? .jsonStat2 : .json) }
    public var effectiveLang: String { lang ?? "no" }
    public var effectiveClassification: Int { classification ?? 131 }

    /// Every problem with the spec, each naming the field (`where` prefixes them, e.g. `fetch.json: sources[2]`).
    public func problems(at place: String) -> [String] {
        var p: [String] = []
        let here = place.isEmpty ? "" : place + ": "
        switch kind {
        case .pxweb:
            if (table ?? "").isEmpty {
                p.append("\(here)a pxweb source needs `table` (the table id, e.g. \"12209\")")
            } else if let t = table, !t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                p.append("\(here)table \"\(t)\" is not a table id (letters and digits only)")
            }
            if let f = format, f == .json { p.append("\(here)format \"json\" is for KLASS; a pxweb source takes json-stat2 or csv") }
            if let l = lang, !["no", "en"].contains(l) { p.append("\(here)lang \"\(l)\" is not `no` or `en`") }
            for (dim, sel) in (select ?? [:]).sorted(by: { $0.key < $1.key }) {
                if dim.isEmpty || !dim.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    p.append("\(here)select: \"\(dim)\" is not a dimension id")
                }
                if case .codes(let c) = sel, c.isEmpty { p.append("\(here)select.\(dim): empty list; give codes or \"*\"") }
            }
            for (dim, list) in (codelist ?? [:]).sorted(by: { $0.key < $1.key })
            where list.isEmpty || list.contains(where: { $0 == "&" || $0 == "=" || $0 == " " }) {
                p.append("\(here)codelist.\(dim): \"\(list)\" is not a code list id (e.g. agg_KommSummer)")
            }
            if classification != nil || from != nil || to != nil {
                p.append("\(here)classification/from/to belong to klass sources, not pxweb")
            }
        case .klass:
            if let f = format, f == .jsonStat2 { p.append("\(here)format \"json-stat2\" is for pxweb; a klass source takes json or csv") }
            if let c = classification, c <= 0 {
                p.append("\(here)classification \(c) is not a KLASS id (131 kommune, 104 fylke, 231 KOSTRA region)")
            }
            if let f = from {
                if !FetchSpec.isDate(f) { p.append("\(here)from \"\(f)\" is not a date YYYY-MM-DD") }
            } else {
                p.append("\(here)a klass source needs `from` (YYYY-MM-DD, inclusive)")
            }
            if let t = to, !FetchSpec.isDate(t) {
                p.append("\(here)to \"\(t)\" is not a date YYYY-MM-DD (exclusive: 2025-01-02 includes 1 January)")
            }
            if let f = from, let t = to, FetchSpec.isDate(f), FetchSpec.isDate(t), t <= f {
                p.append("\(here)to \(t) is not after from \(f)")
            }
            if table != nil || select != nil || codelist != nil {
                p.append("\(here)table/select/codelist belong to pxweb sources, not klass")
            }
        }
        return p
    }

    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return false }
        return y >= 1800 && (1...12).contains(m) && (1...31).contains(d)
    }
}

/// The values selected in one dimension: every value (`"*"`) or a list of codes.
///
/// Decodes from `"*"`, a single code (`"2023"` or `2023`), or a list of codes.
public enum ValueSelection: Codable, Sendable, Equatable {
    case all
    case codes([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = s == "*" ? .all : .codes([s]); return }
        if let i = try? c.decode(Int.self) { self = .codes([String(i)]); return }
        if let l = try? c.decode([String].self) { self = .codes(l); return }
        if let l = try? c.decode([Int].self) { self = .codes(l.map(String.init)); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected \"*\", a code, or a list of codes")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .all: try c.encode("*")
        case .codes(let l): try c.encode(l)
        }
    }
}

/// A standalone fetch file for `etl fetch`: settings and a list of sources.
///
///     {
///       "pxweb_base": "https://data.ssb.no/api/pxwebapi/v2",
///       "klass_base": "https://data.ssb.no/api/klass/v1",
///       "sources": [ {"id": "...", "kind": "pxweb", ...}, {"id": "...", "kind": "klass", ...} ]
///     }
///
/// A bare JSON array of sources is accepted too. Relative `path`s are relative to the file's folder.
public struct FetchFile: Codable, Sendable {
    public var pxweb_base: String?
    public var klass_base: String?
    /// Requests per rolling minute (default 30, SSB's limit).
    public var requests_per_minute: Int?
    /// Cells per request before it is split (default 800,000, SSB's limit).
    public var max_cells: Int?
    public var sources: [FetchSpec]

    public init(sources: [FetchSpec], pxwebBase: String? = nil, klassBase: String? = nil) {
        self.sources = sources; self.pxweb_base = pxwebBase; self.klass_base = klassBase
    }

    /// Reads and checks a fetch file; every problem is reported at once, each prefixed with the file name.
    public static func load(path: String) throws -> FetchFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FetchError.spec(["\(path): error: file not found"])
        }
        let dec = JSONDecoder()
        var file: FetchFile
        do {
            let first = data.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) })
            if first == UInt8(ascii: "[") {
                file = FetchFile(sources: try dec.decode([FetchSpec].self, from: data))
            } else {
                file = try dec.decode(FetchFile.self, from: data)
            }
        } catch {
            throw FetchError.spec(["\(path): error: \(FetchError.describe(error))"])
        }
        var problems: [String] = []
        let dir = (path as NSString).deletingLastPathComponent
        var ids = Set<String>()
        for (i, s) in file.sources.enumerated() {
            let place = "\(path): error: sources[\(i)]" + (s.id.map { " (\($0))" } ?? "")
            problems += s.problems(at: place)
            if s.path == nil { problems.append("\(place): needs `path` (where to land the file)") }
            if let id = s.id, !ids.insert(id).inserted { problems.append("\(place): duplicate id \"\(id)\"") }
            if let p = s.path, !p.hasPrefix("/"), !dir.isEmpty { file.sources[i].path = dir + "/" + p }
        }
        for (key, value) in [("pxweb_base", file.pxweb_base), ("klass_base", file.klass_base)] {
            if let v = value, BaseURL.parse(v) == nil { problems.append("\(path): error: \(key) \"\(v)\" is not an http(s) URL") }
        }
        if let r = file.requests_per_minute, r < 1 { problems.append("\(path): error: requests_per_minute must be at least 1") }
        if let m = file.max_cells, m < 1 { problems.append("\(path): error: max_cells must be at least 1") }
        if !problems.isEmpty { throw FetchError.spec(problems) }
        return file
    }
}
