import ArgumentParser
import Foundation
import GRDB

/// How query results are printed.
enum OutputFormat: String, ExpressibleByArgument, Sendable { case table, csv, json }

/// Prints rows as an aligned table, CSV or JSON on standard output.
func render(columns: [String], rows: [[DatabaseValue]], format: OutputFormat) {
    func text(_ v: DatabaseValue) -> String {
        switch v.storage {
        case .null: return ""
        case .int64(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .blob(let b): return "<\(b.count) bytes>"
        }
    }
    switch format {
    case .csv:
        func q(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        out(columns.map(q).joined(separator: ","))
        for r in rows { out(r.map { q(text($0)) }.joined(separator: ",")) }
    case .json:
        var list: [[String: Any]] = []
        for r in rows {
            var o: [String: Any] = [:]
            for (c, v) in zip(columns, r) {
                switch v.storage {
                case .null: o[c] = NSNull()
                case .int64(let i): o[c] = i
                case .double(let d): o[c] = d
                case .string(let s): o[c] = s
                case .blob(let b): o[c] = b.base64EncodedString()
                }
            }
            list.append(o)
        }
        let d = (try? JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        out(String(decoding: d, as: UTF8.self))
    case .table:
        let cells = rows.map { $0.map(text) }
        var widths = columns.map(\.count)
        for r in cells { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        out(line(columns))
        out(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for r in cells { out(line(r)) }
        eprint("(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
    }
}
