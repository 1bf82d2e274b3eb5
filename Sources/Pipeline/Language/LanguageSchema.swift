import Foundation
import Transform
import Yams

/// The pipeline language as a schema: every key each level may have, the values closed
/// options may take, and the keys an indicator of each kind uses. A pipeline file and an
/// indicator catalogue are checked against it before they are decoded, so a misspelt key
/// or an unknown option is refused with its line instead of being ignored
/// (docs/PIPELINE.md, "Strictness").
indirect enum Shape: Sendable {
    case string, int, number, bool
    /// A scalar from a closed list.
    case oneOf([String])
    /// `latest` or a year.
    case structureYear
    /// A code, a list of codes, or `{from: CODE, to: CODE}`.
    case selection
    /// A mapping with fixed keys; `required` must be present.
    case map([String: Shape], required: [String] = [])
    /// A mapping whose keys are names the user chooses (measures, dimension ids).
    case dict(Shape)
    case list(Shape)
    /// An indicator entry: the keys it may have depend on its `kind`.
    case indicator
    /// Anything (checked elsewhere).
    case anything
}

/// A line and column in a pipeline file (1-based).
public struct LinePosition: Sendable, Equatable {
    public var line: Int
    public var column: Int
}

/// One place where a file does not fit the language.
struct SchemaProblem: Sendable {
    var line: Int
    var column: Int
    var path: String
    var message: String

    func render(file: String) -> String {
        "\(file):\(line):\(column): error: \(path.isEmpty ? "" : path + ": ")\(message)"
    }
}

enum LanguageSchema {
    static let encodings = ["utf-8", "utf8", "windows-1252", "cp1252", "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "latin-9"]
    static let delimiters = [";", ",", "tab", "\\t", "\t", "|"]

    static let fetch: Shape = .map(
        [
            "id": .string, "kind": .oneOf(["pxweb", "klass"]), "path": .string, "format": .oneOf(["json-stat2", "csv", "json"]),
            "table": .string, "lang": .oneOf(["no", "en"]), "select": .dict(.anything), "codelist": .dict(.string),
            "classification": .int, "from": .string, "to": .string
        ], required: ["kind"])

    static let source: Shape = .map(
        [
            "id": .string, "path": .string, "format": .oneOf(["csv", "jsonstat", "sdmx", "px", "husbanken"]), "table": .string,
            "encoding": .oneOf(encodings), "delimiter": .oneOf(delimiters), "decimal": .oneOf(["comma", "point", ",", "."]),
            "dimensions": .dict(.oneOf(["geo", "time", "metric", "other"])), "backcast": .bool, "lenient_index": .bool,
            "leading_zeros": .oneOf(["reject", "restore"]), "language": .string,
            "mapping": .map(
                [
                    "municipality": .string, "municipality_name": .string, "year": .string, "kind": .string, "stage": .string,
                    "purpose": .string, "places": .string, "amount": .string, "sheet": .string
                ], required: ["year", "kind", "stage", "places"]),
            "sum_duplicates": .bool, "fetch": fetch
        ], required: ["id", "path"])

    static let measure: Shape = .map(
        [
            "source": .string, "contents": .selection, "select": .dict(.selection),
            "combine": .oneOf(["sum", "weighted_mean"]), "weight": .string, "absent": .oneOf(["zero", "missing"])
        ], required: ["source"])

    static let pipeline: Shape = .map(
        [
            "name": .string, "description": .string, "warehouse": .string, "catalog": .string, "register": .string, "indicators": .string,
            "max_rejects": .int,
            "harmonisation": .map([
                "structure_year": .structureYear, "split_key": .string, "tolerance": .number,
                "split_shares": .list(
                    .map(
                        ["old": .string, "new": .string, "year": .int, "share": .number, "basis": .string],
                        required: ["old", "new", "year", "share"])),
                "border_exceptions": .list(
                    .map(["old": .string, "new": .string, "year": .int, "note": .string], required: ["old", "new", "year"])),
                "reestablished": .list(
                    .map(
                        ["code": .string, "from": .int, "same_as": .string, "same_as_to": .int, "note": .string],
                        required: ["code", "from", "same_as", "same_as_to"]))
            ]),
            "groups": .map([
                "national": .bool, "counties": .string, "kostragrupper": .string,
                "adhoc": .list(.map(["code": .string, "name": .string, "members": .list(.string)], required: ["code", "name", "members"]))
            ]),
            "fetch": .map(["pxweb_base": .string, "klass_base": .string, "requests_per_minute": .int, "max_cells": .int]),
            "sources": .list(source),
            "measures": .dict(measure)
        ], required: ["name", "indicators", "sources", "measures"])

    static let catalogue: Shape = .map(["indicators": .list(.indicator)], required: ["indicators"])

    /// Keys every indicator may have, and the formula keys of each kind (all required).
    static let indicatorCommon: [String: Shape] = [
        "code": .string, "name": .string, "name_en": .string, "unit": .string, "kind": .oneOf(IndicatorKind.allCases.map(\.rawValue)),
        "scale": .number, "decimals": .int, "population": .string, "source_tables": .list(.string), "definition": .string,
        "max_jump": .number
    ]
    static let indicatorRequired = ["code", "name", "unit", "kind", "definition"]
    static func formulaKeys(_ kind: IndicatorKind) -> [String] {
        switch kind {
        case .ratio: return ["numerator", "denominator"]
        case .rate: return ["measure", "weight"]
        case .count: return ["measure"]
        case .difference: return ["measure", "minus"]
        }
    }

    // MARK: Checking

    /// Parses YAML text into a node tree; syntax errors (a tab, a duplicate key, a bad indent)
    /// name their line and column.
    static func compose(_ text: String, file: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw PipelineError.definition(["\(file):1:1: error: the file is empty; expected a YAML mapping"])
            }
            return node
        } catch let e as YamlError {
            throw PipelineError.definition([describe(e, file: file)])
        }
    }

    static func describe(_ e: YamlError, file: String) -> String {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let ctx = context.map { " (\($0.text))" } ?? ""
            var hint = ""
            if problem.contains("cannot start any token") { hint = "; indent with spaces, not tabs" }
            return "\(file):\(mark.line):\(mark.column): error: YAML syntax: \(problem)\(ctx)\(hint)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; the repeat is the next key of the same
            // indentation with the same name.
            let first = context.mark
            let lines = context.text.split(separator: "\n", omittingEmptySubsequences: false)
            let indent = String(repeating: " ", count: max(0, first.column - 1))
            var again = first.line
            if let key = duplicates.first {
                for i in first.line..<lines.count {
                    let l = lines[i]
                    if l.hasPrefix(indent + key + ":") || l.hasPrefix(indent + "\"" + key + "\":") { again = i + 1; break }
                }
            }
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return
                "\(file):\(again):\(first.column): error: duplicate key \(keys) (first at line \(first.line)); each key may appear once in a mapping"
        case .reader(let problem, _, _, _):
            return "\(file):1:1: error: YAML: \(problem)"
        default:
            return "\(file): error: YAML: \(e)"
        }
    }

    /// Every place `node` does not fit `shape`.
    static func check(_ node: Node, _ shape: Shape, path: String = "") -> [SchemaProblem] {
        var out: [SchemaProblem] = []
        walk(node, shape, path: path, into: &out)
        return out
    }

    private static func problem(_ node: Node, _ path: String, _ message: String, into out: inout [SchemaProblem]) {
        out.append(SchemaProblem(line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, path: path, message: message))
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    private static func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: return "a value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private static func walk(_ node: Node, _ shape: Shape, path: String, into out: inout [SchemaProblem]) {
        if case .anything = shape { return }
        if isNull(node) {
            problem(node, path, "has no value", into: &out)
            return
        }
        switch shape {
        case .anything: return
        case .string:
            if node.scalar == nil { problem(node, path, "expected a text value, found \(kindName(node))", into: &out) }
        case .int:
            if node.scalar == nil || node.int == nil {
                problem(node, path, "expected a whole number, found \(describeValue(node))", into: &out)
            }
        case .number:
            if node.scalar == nil || node.float == nil {
                problem(node, path, "expected a number, found \(describeValue(node))", into: &out)
            }
        case .bool:
            if node.scalar == nil || node.bool == nil {
                problem(node, path, "expected true or false, found \(describeValue(node))", into: &out)
            }
        case .oneOf(let options):
            guard let s = node.scalar?.string else {
                problem(
                    node, path, "expected one of \(options.map { "`\($0)`" }.joined(separator: ", ")), found \(kindName(node))", into: &out)
                return
            }
            if !options.contains(s) {
                let hint = didYouMean(s, among: options)
                problem(
                    node, path,
                    "unknown value `\(s)`\(hint.isEmpty ? "; expected" : hint + " Expected") one of \(options.map { "`\($0)`" }.joined(separator: ", "))",
                    into: &out)
            }
        case .structureYear:
            guard let s = node.scalar?.string else {
                problem(node, path, "expected `latest`, `stable` or a year, found \(kindName(node))", into: &out); return
            }
            if s != "latest" && s != "stable" && Int(s) == nil {
                problem(
                    node, path,
                    "unknown value `\(s)`; expected `latest`, `stable` or a year such as 2024\(didYouMean(s, among: ["latest", "stable"]))",
                    into: &out)
            }
        case .selection:
            switch node {
            case .scalar: return
            case .sequence(let seq):
                if seq.isEmpty { problem(node, path, "empty list; name at least one code", into: &out) }
                for (i, n) in seq.enumerated() where n.scalar == nil || isNull(n) {
                    problem(n, "\(path)[\(i)]", "expected a code, found \(isNull(n) ? "nothing" : kindName(n))", into: &out)
                }
            case .mapping:
                walk(node, .map(["from": .string, "to": .string], required: ["from", "to"]), path: path, into: &out)
            case .alias:
                problem(node, path, "aliases are not supported", into: &out)
            }
        case .map(let keys, let required):
            guard let m = node.mapping else {
                problem(node, path, "expected a mapping of keys, found \(kindName(node))", into: &out); return
            }
            checkKeys(m, node: node, allowed: keys, required: required, path: path, into: &out)
        case .dict(let value):
            guard let m = node.mapping else { problem(node, path, "expected a mapping, found \(kindName(node))", into: &out); return }
            for (k, v) in m {
                guard let key = k.scalar?.string else { problem(k, path, "a key must be a name", into: &out); continue }
                walk(v, value, path: join(path, key), into: &out)
            }
        case .list(let element):
            guard let seq = node.sequence else { problem(node, path, "expected a list, found \(kindName(node))", into: &out); return }
            for (i, n) in seq.enumerated() { walk(n, element, path: "\(path)[\(i)]", into: &out) }
        case .indicator:
            guard let m = node.mapping else {
                problem(node, path, "expected an indicator (a mapping), found \(kindName(node))", into: &out); return
            }
            let code = m["code"]?.scalar?.string
            let here = code.map { "\(path) (\($0))" } ?? path
            guard let kindText = m["kind"]?.scalar?.string, let kind = IndicatorKind(rawValue: kindText) else {
                // Without a known kind the formula keys cannot be told; check the rest.
                var keys = indicatorCommon
                for k in IndicatorKind.allCases { for f in formulaKeys(k) { keys[f] = .string } }
                checkKeys(m, node: node, allowed: keys, required: indicatorRequired, path: here, into: &out)
                return
            }
            var keys = indicatorCommon
            for f in formulaKeys(kind) { keys[f] = .string }
            let others = Set(IndicatorKind.allCases.flatMap(formulaKeys)).subtracting(formulaKeys(kind))
            for (k, _) in m {
                guard let key = k.scalar?.string, others.contains(key) else { continue }
                problem(
                    k, join(here, key),
                    "does not apply to kind \(kind.rawValue), which uses \(formulaKeys(kind).map { "`\($0)`" }.joined(separator: " and "))",
                    into: &out)
            }
            checkKeys(m, node: node, allowed: keys, required: indicatorRequired + formulaKeys(kind), path: here, skip: others, into: &out)
        }
    }

    private static func checkKeys(
        _ m: Node.Mapping, node: Node, allowed: [String: Shape], required: [String], path: String,
        skip: Set<String> = [], into out: inout [SchemaProblem]
    ) {
        let names = allowed.keys.sorted()
        var seen = Set<String>()
        for (k, v) in m {
            guard let key = k.scalar?.string else { problem(k, path, "a key must be a name", into: &out); continue }
            if skip.contains(key) { continue }
            seen.insert(key)
            guard let shape = allowed[key] else {
                let hint = didYouMean(key, among: names)
                problem(
                    k, join(path, key),
                    "unknown key `\(key)`\(hint.isEmpty ? "; expected" : hint + " Expected") one of \(names.map { "`\($0)`" }.joined(separator: ", "))",
                    into: &out)
                continue
            }
            walk(v, shape, path: join(path, key), into: &out)
        }
        for r in required where !seen.contains(r) {
            problem(node, path, "required key `\(r)` is missing", into: &out)
        }
    }

    private static func describeValue(_ node: Node) -> String {
        if let s = node.scalar?.string { return "`\(s)`" }
        return kindName(node)
    }

    /// The line and column of every key path in a document (`measures.x.select.Kjonn`,
    /// `sources[2].path`), for messages about values that only the data can check.
    static func positions(_ root: Node) -> [String: LinePosition] {
        var out: [String: LinePosition] = [:]
        func visit(_ node: Node, _ path: String) {
            if let m = node.mark, !path.isEmpty { out[path] = LinePosition(line: m.line, column: m.column) }
            switch node {
            case .mapping(let m):
                for (k, v) in m {
                    guard let key = k.scalar?.string else { continue }
                    visit(v, join(path, key))
                    // The key's own place, which is where a reader looks first.
                    if let km = k.mark { out[join(path, key)] = LinePosition(line: km.line, column: km.column) }
                }
            case .sequence(let s):
                for (i, n) in s.enumerated() { visit(n, "\(path)[\(i)]") }
            default: break
            }
        }
        visit(root, "")
        return out
    }

    /// The line and column of the node at a decoding path, for errors found while decoding.
    static func mark(of path: [any CodingKey], in root: Node) -> Mark? {
        var node = root
        for k in path {
            if let i = k.intValue, let seq = node.sequence, i < seq.count {
                node = seq[i]
            } else if let m = node.mapping, let n = m[k.stringValue] {
                node = n
            } else {
                break
            }
        }
        return node.mark
    }
}
