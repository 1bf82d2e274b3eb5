import GRDB

/// The questions `etl query` asks of the published facts, as SQL on the views (README,
/// "Querying the warehouse"). Values are rounded to each indicator's decimals.
public enum IndicatorQuery: Sendable {
    /// Values of an indicator (or all), for some regions (or all), over some years (or all).
    case values(indicator: String?, regions: [String], years: ClosedRange<Int>?)
    /// A comparison group's statistics: mean, weighted value, median, minimum, maximum, counts.
    case group(String, indicator: String?, years: ClosedRange<Int>?)
    /// The change of an indicator between two years, per region (or of a group's weighted
    /// value), in per cent and as a difference in the indicator's unit.
    case change(indicator: String, from: Int, to: Int, group: String?, regions: [String])

    /// The statement and its arguments.
    public var statement: (sql: String, arguments: StatementArguments) {
        var args: [(any DatabaseValueConvertible)?] = []
        func list(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ",") }
        switch self {
        case .values(let indicator, let regions, let years):
            var clauses: [String] = []
            if let indicator { clauses.append("indicator = ?"); args.append(indicator) }
            if !regions.isEmpty { clauses.append("region IN (\(list(regions.count)))"); args += regions.map { $0 } }
            if let years { clauses.append("year BETWEEN ? AND ?"); args += [years.lowerBound, years.upperBound] }
            let sql = """
                SELECT indicator, region, region_name, year, breakdown, round(value, decimals) AS value, unit, status, method, structure_year, numerator, denominator
                FROM v_indicator \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")) ORDER BY indicator, region, year, breakdown
                """
            return (sql, StatementArguments(args))
        case .group(let group, let indicator, let years):
            var clauses = ["group_code = ?"]
            args.append(group)
            if let indicator { clauses.append("indicator = ?"); args.append(indicator) }
            if let years { clauses.append("year BETWEEN ? AND ?"); args += [years.lowerBound, years.upperBound] }
            let sql = """
                SELECT group_code, group_name, indicator, year, breakdown, round(mean, decimals) AS mean, round(weighted, decimals) AS weighted,
                       round(median, decimals) AS median, round(min, decimals) AS min, round(max, decimals) AS max, n_with_value, n_members, unit
                FROM v_group_indicator WHERE \(clauses.joined(separator: " AND ")) ORDER BY indicator, year, breakdown
                """
            return (sql, StatementArguments(args))
        case .change(let indicator, let from, let to, let group, let regions):
            let (table, key) = group != nil ? ("v_group_indicator", "group_code") : ("v_indicator", "region")
            let value = group != nil ? "weighted" : "value"
            var filter = "a.indicator = ?"
            args = [from, to, indicator]
            if let group {
                filter += " AND a.group_code = ?"; args.append(group)
            } else if !regions.isEmpty {
                filter += " AND a.region IN (\(list(regions.count)))"; args += regions.map { $0 }
            }
            let sql = """
                SELECT a.indicator, a.\(key) AS \(key), a.breakdown, a.year AS from_year, b.year AS to_year,
                       round(a.\(value), a.decimals) AS value_from, round(b.\(value), b.decimals) AS value_to,
                       round((b.\(value) - a.\(value)) / abs(a.\(value)) * 100, 1) AS change_percent,
                       round(b.\(value) - a.\(value), a.decimals) AS difference,
                       CASE WHEN a.unit = 'prosent' THEN 'prosentpoeng' ELSE a.unit END AS difference_unit
                FROM \(table) a JOIN \(table) b ON b.indicator = a.indicator AND b.\(key) = a.\(key) AND b.breakdown = a.breakdown
                     AND a.year = ? AND b.year = ?
                WHERE \(filter) ORDER BY 2, 3
                """
            return (sql, StatementArguments(args))
        }
    }
}
