import Foundation

/// One PxWebApi v2 data request: the codes selected in each dimension, in the table's order.
public struct PxRequest: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var dimension: String
        /// The selected codes, resolved (a `*` is resolved from the metadata or the code list).
        public var codes: [String]
        /// Sent as `*` rather than the list (only while the dimension is not split).
        public var wildcard: Bool
        public var codelist: String?
    }

    public var table: String
    public var lang: String
    public var format: FetchSpec.Format
    /// Selected dimensions in table order; eliminated dimensions are absent.
    public var parts: [Part]

    /// Cells the request asks for: the product of the selected counts (saturating).
    public var cells: Int {
        parts.reduce(1) { acc, p in
            let (r, o) = acc.multipliedReportingOverflow(by: p.codes.count)
            return o ? Int.max : r
        }
    }

    /// The percent-encoded query string, e.g.
    /// `lang=no&outputFormat=json-stat2&valueCodes%5BTid%5D=2019,2020&codelist%5BRegion%5D=agg_KommSummer`.
    public var query: String { render(encoded: true) }

    /// The same query as a person would write it (`valueCodes[Tid]=2019,2020`).
    public var readableQuery: String { render(encoded: false) }

    func render(encoded: Bool) -> String {
        func key(_ name: String, _ dim: String) -> String {
            encoded ? "\(name)%5B\(Self.encode(dim))%5D" : "\(name)[\(dim)]"
        }
        var items = ["lang=\(Self.encode(lang))", "outputFormat=\(format.rawValue)"]
        for p in parts {
            let value = p.wildcard ? "*" : p.codes.map { encoded ? Self.encode($0) : $0 }.joined(separator: ",")
            items.append("\(key("valueCodes", p.dimension))=\(value)")
            if let c = p.codelist { items.append("\(key("codelist", p.dimension))=\(encoded ? Self.encode(c) : c)") }
        }
        return items.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~*")
    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s }

    func replacing(_ dimension: String, codes: [String]) -> PxRequest {
        var r = self
        if let i = r.parts.firstIndex(where: { $0.dimension == dimension }) {
            r.parts[i].codes = codes
            r.parts[i].wildcard = false
        }
        return r
    }
}

/// Turns a spec and the table's metadata into requests of at most `maxCells` cells each.
public enum RequestPlanner {
    /// Resolves the spec against the metadata into one (unsplit) request.
    /// - Parameter codeLists: codes of the code lists used with `*`, by code list id.
    public static func resolve(_ spec: FetchSpec, metadata: TableMetadata, codeLists: [String: [String]] = [:]) throws -> PxRequest {
        let table = spec.table ?? metadata.table
        var problems: [String] = []
        let select = spec.select ?? [:]
        let lists = spec.codelist ?? [:]
        let known = metadata.dimensions.map(\.id)
        for dim in select.keys.sorted() where !known.contains(dim) {
            problems.append("select.\(dim): table \(table) has no dimension \(dim); it has \(known.joined(separator: ", "))")
        }
        for dim in lists.keys.sorted() where select[dim] == nil {
            problems.append("codelist.\(dim): the dimension is not selected; select codes or \"*\" for it")
        }
        var parts: [PxRequest.Part] = []
        for d in metadata.dimensions {
            guard let sel = select[d.id] else {
                if !d.elimination {
                    problems.append(
                        "table \(table): dimension \(d.id)\(d.label.map { " (\($0))" } ?? "") cannot be left out; select codes or \"*\"")
                }
                continue
            }
            let list = lists[d.id]
            if let list, let offered = d.codelists, !offered.contains(list) {
                problems.append(
                    "codelist.\(d.id): table \(table) offers no code list \(list) for \(d.id)"
                        + (offered.isEmpty ? "" : "; it offers \(offered.joined(separator: ", "))"))
                continue
            }
            switch sel {
            case .all:
                if let list {
                    guard let codes = codeLists[list] else {
                        problems.append("codelist.\(d.id): code list \(list) was not fetched"); continue
                    }
                    parts.append(.init(dimension: d.id, codes: codes, wildcard: true, codelist: list))
                } else {
                    parts.append(.init(dimension: d.id, codes: d.codes, wildcard: true, codelist: nil))
                }
            case .codes(let codes):
                if list == nil {
                    let have = Set(d.codes)
                    let unknown = codes.filter { !have.contains($0) }
                    if !unknown.isEmpty {
                        let shown = unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? " …" : "")
                        problems.append(
                            "select.\(d.id): \(unknown.count == 1 ? "code" : "codes") \(shown) not in table \(table) "
                                + "(it has \(d.codes.prefix(5).joined(separator: ", "))\(d.codes.count > 5 ? " … \(d.codes.count) codes" : ""))"
                        )
                    }
                }
                var seen = Set<String>()
                parts.append(.init(dimension: d.id, codes: codes.filter { seen.insert($0).inserted }, wildcard: false, codelist: list))
            }
        }
        if !problems.isEmpty { throw FetchError.spec(problems) }
        return PxRequest(table: table, lang: spec.effectiveLang, format: spec.effectiveFormat, parts: parts)
    }

    /// Dimensions a request may be split along: not time, not contents.
    static func splittable(_ metadata: TableMetadata) -> Set<String> {
        Set(metadata.dimensions.filter { $0.role != .time && $0.role != .metric }.map(\.id))
    }

    /// Splits a request into requests of at most `maxCells` cells, along the largest dimension that
    /// is neither time nor contents, then the next largest if one code of it is still too much.
    public static func split(_ request: PxRequest, metadata: TableMetadata, maxCells: Int, maxRequests: Int = 5_000) throws -> [PxRequest] {
        let allowed = splittable(metadata)
        var out: [PxRequest] = []
        func go(_ r: PxRequest) throws {
            if r.cells <= maxCells { out.append(r); return }
            guard
                let part = r.parts.filter({ allowed.contains($0.dimension) && $0.codes.count > 1 })
                    .max(by: { $0.codes.count < $1.codes.count })
            else {
                throw FetchError.tooBig(
                    "request of \(r.cells) cells exceeds the limit of \(maxCells) and cannot be split "
                        + "(only time and contents dimensions are left); select fewer years or contents codes")
            }
            let rest = r.cells / part.codes.count
            let per = max(1, maxCells / max(1, rest))
            var i = 0
            while i < part.codes.count {
                let chunk = Array(part.codes[i..<min(i + per, part.codes.count)])
                try go(r.replacing(part.dimension, codes: chunk))
                if out.count > maxRequests {
                    throw FetchError.tooBig("request of \(request.cells) cells would take more than \(maxRequests) requests; select less")
                }
                i += per
            }
        }
        try go(request)
        return out
    }

    /// Two halves of a request the server refused as too big (403), or nil if it cannot be split.
    public static func halve(_ request: PxRequest, metadata: TableMetadata) -> (PxRequest, PxRequest)? {
        let allowed = splittable(metadata)
        guard
            let part = request.parts.filter({ allowed.contains($0.dimension) && $0.codes.count > 1 })
                .max(by: { $0.codes.count < $1.codes.count })
        else { return nil }
        let mid = part.codes.count / 2
        return (
            request.replacing(part.dimension, codes: Array(part.codes[..<mid])),
            request.replacing(part.dimension, codes: Array(part.codes[mid...]))
        )
    }
}
