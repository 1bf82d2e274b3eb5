import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport
import Yams

// Single mistakes made in the sample pipeline and its indicator catalogue, generated from the
// files themselves: every key misspelt, every selected code replaced by one the source does
// not have, every contents label with a typo, every closed option given an unknown value.
// Each must be refused (a definition error naming the file and line) or publish exactly the
// facts of the correct pipeline: never different numbers with success.

/// One single mistake: the file it is made in and the whole text with it.
struct Mistake: CustomStringConvertible, Sendable {
    enum Kind: String, Sendable { case key, code, label, option }
    var kind: Kind
    var file: String
    var keyPath: String
    var before: String
    var after: String
    var text: String
    var description: String { "\(kind) \(file) \(keyPath): `\(before)` → `\(after)`" }
}

enum MistakeMaker {
    /// Options whose values come from a closed list.
    static let optionKeys: Set<String> = [
        "combine", "absent", "format", "kind", "encoding", "delimiter", "decimal", "structure_year", "national",
        "backcast", "lenient_index", "sum_duplicates"
    ]

    /// A misspelling that keeps the name recognisable: the last letter dropped (or an `x`
    /// added to short names), as a hurried typist does.
    static func misspell(_ s: String) -> String {
        s.count > 3 ? String(s.dropLast()) : s + "x"
    }

    static func mistakes(in text: String, file: String) throws -> [Mistake] {
        guard let root = try Yams.compose(yaml: text) else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [Mistake] = []

        /// The text with `old` replaced by `new` at the first place on the node's line at or after its column.
        func replaced(_ node: Node, _ old: String, _ new: String) -> String? {
            guard let m = node.mark, m.line - 1 < lines.count else { return nil }
            var ls = lines
            let line = ls[m.line - 1]
            let start = line.index(line.startIndex, offsetBy: max(0, m.column - 1), limitedBy: line.endIndex) ?? line.endIndex
            guard let r = line.range(of: old, range: start..<line.endIndex) else { return nil }
            ls[m.line - 1] = line.replacingCharacters(in: r, with: new)
            return ls.joined(separator: "\n")
        }
        func add(_ kind: Mistake.Kind, _ path: String, _ node: Node, _ old: String, _ new: String) {
            guard old != new, let t = replaced(node, old, new) else { return }
            out.append(Mistake(kind: kind, file: file, keyPath: path, before: old, after: new, text: t))
        }
        func selection(_ node: Node, _ path: String, label: Bool) {
            switch node {
            case .scalar(let s):
                // Codes get a digit no source has; labels (long texts) lose a letter inside.
                if label && s.string.count > 12 {
                    let s2 = s.string
                    let i = s2.index(s2.startIndex, offsetBy: s2.count / 2)
                    add(.label, path, node, s2, String(s2[..<i]) + String(s2[s2.index(after: i)...]))
                } else {
                    add(.code, path, node, s.string, s.string + "9")
                }
            case .sequence(let seq):
                for (i, n) in seq.enumerated() { selection(n, "\(path)[\(i)]", label: label) }
            case .mapping(let m):
                for (k, v) in m { selection(v, "\(path).\(k.string ?? "")", label: false) }
            default: break
            }
        }
        func visit(_ node: Node, _ path: String) {
            switch node {
            case .mapping(let m):
                for (k, v) in m {
                    guard let key = k.string else { continue }
                    let here = path.isEmpty ? key : "\(path).\(key)"
                    add(.key, here, k, key, misspell(key))
                    if optionKeys.contains(key), !path.contains(".mapping"), let s = v.scalar?.string { add(.option, here, v, s, s + "s") }
                    if path.hasPrefix("measures."), key == "contents" { selection(v, here, label: true); continue }
                    if path.hasSuffix(".select"), path.hasPrefix("measures.") { selection(v, here, label: false); continue }
                    visit(v, here)
                }
            case .sequence(let seq):
                for (i, n) in seq.enumerated() { visit(n, "\(path)[\(i)]") }
            default: break
            }
        }
        visit(root, "")
        return out
    }
}

/// Published facts and group values of a warehouse, in a stable order, as one string.
func publishedFacts(_ warehouse: String) throws -> String {
    var c = Configuration()
    c.readonly = true
    let q = try DatabaseQueue(path: warehouse, configuration: c)
    return try q.read { db in
        let facts = try String.fetchAll(
            db,
            sql: """
                SELECT i.code || '|' || r.code || '|' || p.year || '|' || b.code || '|' || ifnull(quote(f.value), '') || '|' || ifnull(f.status, '') || '|' || f.method
                FROM fact_indicator f JOIN dim_indicator i USING (indicator_key) JOIN dim_region r USING (region_key)
                JOIN dim_period p USING (period_key) JOIN dim_breakdown b USING (breakdown_key) ORDER BY 1
                """)
        let groups = try String.fetchAll(
            db,
            sql: """
                SELECT g.code || '|' || i.code || '|' || p.year || '|' || ifnull(quote(f.mean), '') || '|' || ifnull(quote(f.median), '') || '|' || f.n_members
                FROM fact_group_indicator f JOIN dim_group g USING (group_key) JOIN dim_indicator i USING (indicator_key)
                JOIN dim_period p USING (period_key) ORDER BY 1
                """)
        return (facts + ["--"] + groups).joined(separator: "\n")
    }
}

// Behaviour (in process).
@Suite("Single mistakes in a pipeline are refused or change nothing", .serialized)
struct PipelineMistakeTests {
    @Test("the generator finds every kind of mistake in the sample")
    func generatorCoversTheSample() throws {
        let dir = packageRoot.appendingPathComponent("pipelines")
        let pipeline = try MistakeMaker.mistakes(
            in: String(contentsOf: dir.appendingPathComponent("sample.yml"), encoding: .utf8), file: "sample.yml")
        let catalogue = try MistakeMaker.mistakes(
            in: String(contentsOf: dir.appendingPathComponent("indicators.yml"), encoding: .utf8), file: "indicators.yml")
        let all = pipeline + catalogue
        for kind in [Mistake.Kind.key, .code, .label, .option] {
            #expect(all.contains { $0.kind == kind }, "no \(kind) mistakes generated")
        }
        // Every key of both files: more than a hundred each.
        #expect(pipeline.filter { $0.kind == .key }.count > 100)
        #expect(catalogue.filter { $0.kind == .key }.count > 100)
        #expect(all.contains { $0.keyPath == "measures.hjemmetj_80_andel.combine" && $0.kind == .key })
        #expect(all.contains { $0.keyPath == "measures.innbyggere_80.select.Kjonn[1]" && $0.kind == .code })
    }

    @Test("every single mistake is refused with its file and line, or publishes identical facts")
    func everyMistakeIsRefusedOrChangesNothing() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pipelines = dir.appendingPathComponent("pipelines")
        let samplePath = pipelines.appendingPathComponent("sample.yml").path

        func run(warehouse: String) throws -> RunSummary {
            try Runner(options: RunOptions(pipelinePath: samplePath, warehouse: warehouse)).run()
        }
        let baselineWarehouse = dir.appendingPathComponent("baseline.sqlite").path
        _ = try run(warehouse: baselineWarehouse)
        let baseline = try publishedFacts(baselineWarehouse)
        #expect(baseline.count > 1000)

        var mistakes: [Mistake] = []
        for file in ["sample.yml", "indicators.yml"] {
            mistakes += try MistakeMaker.mistakes(
                in: String(contentsOf: pipelines.appendingPathComponent(file), encoding: .utf8), file: file)
        }
        var refused = 0, unchanged = 0
        var published: [String] = []
        for (i, m) in mistakes.enumerated() {
            let target = pipelines.appendingPathComponent(m.file)
            let original = try String(contentsOf: target, encoding: .utf8)
            try m.text.write(to: target, atomically: true, encoding: .utf8)
            defer { try? original.write(to: target, atomically: true, encoding: .utf8) }
            let warehouse = dir.appendingPathComponent("m\(i).sqlite").path
            do {
                let summary = try run(warehouse: warehouse)
                if try publishedFacts(warehouse) == baseline {
                    unchanged += 1
                    print("pipeline mistake published identical facts: \(m)")
                } else {
                    published.append(
                        "\(m) published different numbers (status \(summary.status.rawValue), warnings \(summary.warnings.count))")
                }
            } catch PipelineError.definition(let problems) {
                refused += 1
                // Every message names a file of the pipeline and a line of it (a misspelt measure
                // name is found where the indicator catalogue refers to it).
                let named = problems.allSatisfy { $0.range(of: #"\.yml:\d+:\d+: error: "#, options: .regularExpression) != nil }
                #expect(named, "\(m): refused without naming the file and line: \(problems)")
            } catch {
                refused += 1
                #expect(Bool(false), "\(m): refused, but not as a definition error (exit 2): \(error)")
            }
            for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: warehouse + suffix) }
        }
        print("pipeline mistakes: \(mistakes.count) made, \(refused) refused, \(unchanged) published identical facts")
        #expect(published.isEmpty, "\(published.count) mistakes published different numbers:\n\(published.joined(separator: "\n"))")
        #expect(refused + unchanged == mistakes.count)
        #expect(mistakes.count > 240)
    }
}
