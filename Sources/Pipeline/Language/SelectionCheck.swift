import Foundation
import Ingest
import Transform

/// One dimension of a source as its reader described it.
public struct SourceDimension: Sendable {
    public var id: String
    public var role: DimensionRole
    /// Category codes in code order, and their labels.
    public var codes: [String]
    public var labels: [String: String]

    public init(id: String, role: DimensionRole, codes: [String], labels: [String: String] = [:]) {
        self.id = id
        self.role = role
        self.codes = codes
        self.labels = labels
    }

    /// Dimensions from schemas a reader reported (several datasets of one file are merged).
    public static func from(schemas: [DatasetSchema], roleOverrides: [String: DimensionRole]) -> [SourceDimension] {
        var byId: [String: SourceDimension] = [:]
        var order: [String] = []
        for schema in schemas {
            for d in schema.dimensions {
                if byId[d.id] == nil {
                    order.append(d.id); byId[d.id] = SourceDimension(id: d.id, role: roleOverrides[d.id] ?? d.role, codes: [])
                }
                for (code, label) in d.categories { byId[d.id]!.labels[code] = label.name }
            }
        }
        return order.map { id in
            var d = byId[id]!
            d.codes = d.labels.keys.sorted()
            return d
        }
    }

    /// Dimensions from the staged labels of a source (`Staging.categories`).
    public static func from(rows: [(dimension: String, role: String, code: String, label: String)], roleOverrides: [String: DimensionRole])
        -> [SourceDimension]
    {
        var out: [SourceDimension] = []
        for r in rows {
            if out.last?.id != r.dimension {
                out.append(
                    SourceDimension(
                        id: r.dimension, role: roleOverrides[r.dimension] ?? DimensionRole(rawValue: r.role) ?? .other, codes: []))
            }
            out[out.count - 1].codes.append(r.code)
            out[out.count - 1].labels[r.code] = r.label
        }
        return out
    }
}

/// Checks a measure's `contents` and `select` against the categories its source has: each
/// code, label and range must match at least one category, and each selected dimension must
/// be a breakdown of the source (docs/PIPELINE.md, "Every selection must match the data").
/// A selection that matched nothing would publish a sum that is too small, or nothing.
public enum SelectionCheck {
    /// Every problem with the measures reading `sourceId`, given that source's dimensions.
    public static func problems(_ pipeline: Pipeline, sourceId: String, dimensions: [SourceDimension], file: String) -> [String] {
        var out: [String] = []
        for (name, m) in pipeline.definition.measures.sorted(by: { $0.key < $1.key }) where m.source == sourceId {
            out += problems(pipeline, measure: name, m, dimensions: dimensions, file: file)
        }
        return out
    }

    static func problems(_ pipeline: Pipeline, measure name: String, _ m: MeasureDefinition, dimensions: [SourceDimension], file: String)
        -> [String]
    {
        var out: [String] = []
        let source = "source \(m.source) (\(file))"
        func say(_ keyPath: String, _ text: String) { out.append("\(pipeline.place(keyPath)): error: \(keyPath): \(text)") }
        let metric = dimensions.first { $0.role == .metric }
        let metricCodes = metric?.codes ?? ["value"]
        if let contents = m.contents {
            check(
                contents, keyPath: "measures.\(name).contents", against: metricCodes, labels: metric?.labels ?? [:],
                what: "measure (\(metric?.id ?? "contents"))", source: source, say: say)
        }
        guard let select = m.select else { return out }
        let breakdowns = dimensions.filter { $0.role == .other && $0.id != "FREQ" }
        for (dim, sel) in select.sorted(by: { $0.key < $1.key }) {
            let keyPath = "measures.\(name).select.\(dim)"
            guard let d = breakdowns.first(where: { $0.id == dim }) else {
                if let d = dimensions.first(where: { $0.id == dim }) {
                    say(
                        keyPath,
                        "`\(dim)` is the \(d.role.rawValue) dimension of \(source); `select` takes only breakdown dimensions"
                            + (d.role == .metric ? " (use `contents:` for the measure)" : ""))
                } else {
                    let names = breakdowns.map(\.id)
                    let hint = didYouMean(dim, among: names)
                    say(
                        keyPath,
                        "`\(dim)` is not a dimension of \(source)\(hint.isEmpty ? "; it" : hint + " It") "
                            + (names.isEmpty ? "has no breakdown dimensions" : "has \(names.map { "`\($0)`" }.joined(separator: ", "))"))
                }
                continue
            }
            check(sel, keyPath: keyPath, against: d.codes, labels: d.labels, what: "category of \(dim)", source: source, say: say)
        }
        return out
    }

    private static func check(
        _ sel: Selection, keyPath: String, against codes: [String], labels: [String: String], what: String, source: String,
        say: (String, String) -> Void
    ) {
        let available = listing(codes, labels: labels)
        switch sel {
        case .codes(let list):
            let known = Set(codes)
            for (i, c) in list.enumerated() where !known.contains(c) {
                let at = list.count > 1 ? "\(keyPath)[\(i)]" : keyPath
                // A label given where the code is wanted: name the code.
                if let code = labels.first(where: { $0.value == c })?.key {
                    say(at, "`\(c)` is the label of \(what) `\(code)` in \(source); give the code `\(code)`")
                } else {
                    var hint = didYouMean(c, among: codes)
                    if hint.isEmpty { hint = didYouMean(c, among: Array(labels.values)) }
                    say(at, "`\(c)` is not a \(what) of \(source)\(hint.isEmpty ? "; it has" : hint + " It has") \(available)")
                }
            }
            if Set(list).count < list.count { say(keyPath, "a code is listed twice; each is added once") }
        case .range(let from, let to):
            if !codes.contains(where: { sel.matches($0) }) {
                say(keyPath, "no \(what) of \(source) lies in the range \(from)…\(to); it has \(available)")
            } else if let a = Int(from), let b = Int(to), a > b {
                say(keyPath, "the range \(from)…\(to) is reversed")
            }
        }
    }

    /// The first categories, then how many there are.
    static func listing(_ codes: [String], labels: [String: String], max: Int = 12) -> String {
        let shown = codes.prefix(max).map { c -> String in
            if let l = labels[c], l != c { return "`\(c)` (\(l))" }
            return "`\(c)`"
        }
        return shown.joined(separator: ", ") + (codes.count > max ? ", … (\(codes.count) in all)" : "")
    }
}

/// Collects what a reader says about a file's dimensions, ignoring its cells
/// (for `etl validate`, which checks selections without loading).
public struct CategorySink: CellSink {
    public var schemas: [DatasetSchema] = []
    public init() {}
    public mutating func end(_ schema: DatasetSchema) throws { schemas.append(schema) }
    public mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {}
    public mutating func reject(_ error: ReadError, raw: String) throws {}
}
