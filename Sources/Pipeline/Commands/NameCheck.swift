import GRDB
import Transform
import Warehouse

/// Checks indicator, region and group codes a command was given against the warehouse
/// (docs/bad-input.md): a name the warehouse does not have would give an empty answer.
public enum NameCheck {
    /// One line for each unknown name, naming it and the closest valid names; empty when all
    /// are known.
    public static func unknown(_ db: Database, indicators: [String], regions: [String], groups: [String]) throws -> [String] {
        var lines: [String] = []
        func check(_ given: [String], what: String, table: Warehouse.CodeTable) throws {
            guard !given.isEmpty else { return }
            let known = try Warehouse.codes(db, of: table)
            let set = Set(known)
            for g in given where !set.contains(g) {
                let near = closestNames(to: g, among: known)
                let hint: String
                switch near.count {
                case 0:
                    hint =
                        "no \(what) in the warehouse has a similar name (`etl query --sql \"SELECT code FROM \(table.rawValue)\"` lists them)"
                case 1: hint = "did you mean `\(near[0])`?"
                default: hint = "did you mean " + near.dropLast().map { "`\($0)`" }.joined(separator: ", ") + " or `\(near.last!)`?"
                }
                lines.append("error: unknown \(what) `\(g)`; \(hint)")
            }
        }
        try check(indicators, what: "indicator", table: .indicators)
        try check(regions, what: "region", table: .regions)
        try check(groups, what: "group", table: .groups)
        return lines
    }
}
