import ArgumentParser
import Foundation
import GRDB
import Pipeline
import Warehouse

/// Queries the warehouse read-only: by indicator, regions and years, or with SQL.
struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query the warehouse (opened read-only): by indicator, region and years, or with --sql.",
        discussion: """
            Examples:
              etl query --indicator legemiddelgjennomgang --region 3118 --years 2017:2023
              etl query --sql "SELECT region, year, value FROM v_indicator WHERE indicator = 'innbyggere_80'" --format csv
              etl query --group EKG08 --indicator legemiddelgjennomgang
              etl query --indicator legemiddelgjennomgang --region 3118 --change 2019:2023
              etl query --indicator legemiddelgjennomgang --group EAK --change 2019:2023
            """)

    @Option(name: .long, help: "Warehouse file (default: warehouse/omsorg.sqlite).")
    var warehouse: String = Pipeline.defaultWarehouse

    @Option(name: .long, help: "Indicator code.")
    var indicator: String?

    @Option(name: .long, help: "Region code (repeat for several).")
    var region: [String] = []

    @Option(name: .long, help: "Years: 2019, or a range 2015:2024.")
    var years: String?

    @Option(name: .long, help: "A read-only SQL statement.")
    var sql: String?

    @Option(
        name: .long,
        help: "A comparison group (EAK, EKA31, EKG08, or an ad-hoc group's code): mean, weighted value, median, min, max, count.")
    var group: String?

    @Option(
        name: .long,
        help:
            "Change between two years, FROM:TO: relative change in per cent and the difference (percentage points for per cent indicators)."
    )
    var change: String?

    @Option(name: .long, help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    @Option(
        name: .long,
        help:
            "Answer from the state published at this run id or date (2025-04-01: by the end of that day, UTC); v_indicator shows that state, also to --sql."
    )
    var asOf: String?

    func run() throws {
        let queue = try openWarehouseForReading(warehouse)
        if let asOf {
            guard Vintages.isValidSpec(asOf) else {
                eprint("error: --as-of \"\(asOf)\": expected a run id (42) or a date (2025-04-01)"); throw Exit.usage
            }
            if group != nil {
                eprint("error: --as-of answers from v_indicator; comparison groups are not kept by vintage (drop --group)");
                throw Exit.usage
            }
            let run: Int64?
            do {
                run = try queue.inDatabase { db in
                    guard let run = try Vintages.resolve(db, asOf: asOf) else { return nil }
                    try Vintages.showState(db, runId: run)
                    return run
                }
            } catch let e as DatabaseError {
                eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
            }
            guard let run else { eprint("\(warehouse): error: nothing had been published as of \(asOf)"); throw Exit.usage }
            if format == .table { eprint("as of \(asOf): the state published by run \(run)") }
        }
        if sql == nil {
            // A name the warehouse does not have gives an empty table; say so, with the closest names.
            let unknown: [String]
            do {
                unknown = try queue.read { db in
                    try unknownNames(db, indicators: indicator.map { [$0] } ?? [], regions: region, groups: group.map { [$0] } ?? [])
                }
            } catch let e as DatabaseError { eprint(damagedWarehouseLine(warehouse, e)); throw Exit.failure }
            if !unknown.isEmpty { for line in unknown { eprint(line) }; throw Exit.usage }
        }
        var text: String
        var arguments = StatementArguments()
        /// `--years 2019` or `--years 2015:2024`.
        func yearRange(_ years: String?) throws -> ClosedRange<Int>? {
            guard let years else { return nil }
            let parts = years.split(separator: ":").map { Int($0) }
            guard !parts.isEmpty, parts.count <= 2, let lo = parts[0], let hi = parts.last!, lo <= hi else {
                eprint("error: --years \"\(years)\": expected a year (2019) or a range (2015:2024)"); throw Exit.usage
            }
            return lo...hi
        }
        if let change {
            let p = change.split(separator: ":").map { Int($0) }
            guard p.count == 2, let from = p[0], let to = p[1] else {
                eprint("error: --change \"\(change)\": expected FROM:TO, e.g. 2019:2023"); throw Exit.usage
            }
            guard let indicator else { eprint("error: --change needs --indicator"); throw Exit.usage }
            (text, arguments) = IndicatorQuery.change(indicator: indicator, from: from, to: to, group: group, regions: region).statement
        } else if let group {
            (text, arguments) = IndicatorQuery.group(group, indicator: indicator, years: try yearRange(years)).statement
        } else if let sql {
            text = sql
        } else {
            (text, arguments) = IndicatorQuery.values(indicator: indicator, regions: region, years: try yearRange(years)).statement
        }
        let sqlText = text
        let statementArguments = arguments
        do {
            let result: ([String], [[DatabaseValue]]) = try queue.read { db in
                let stmt = try db.makeStatement(sql: sqlText)
                guard stmt.isReadonly else {
                    throw QueryRefused(message: "only read-only statements are allowed; the warehouse is opened read-only for queries")
                }
                stmt.arguments = statementArguments
                let rows: [[DatabaseValue]] = try Row.fetchAll(stmt).map { r in Array(r.databaseValues) }
                return (stmt.columnNames, rows)
            }
            let (columns, rows) = result
            render(columns: columns, rows: rows, format: format)
        } catch let e as QueryRefused {
            eprint("error: \(e.message)"); throw Exit.usage
        } catch let e as DatabaseError where isDamagedDatabase(e) {
            eprint(damagedWarehouseLine(warehouse, e)); throw Exit.failure
        } catch let e as DatabaseError {
            eprint("error: \(e.message ?? "\(e)")\(sql != nil ? " in: \(text)" : "")"); throw Exit.usage
        }
    }

    struct QueryRefused: Error { var message: String }
}
