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
        let request = WarehouseQuery(
            indicator: indicator, regions: region, years: years, sql: sql, group: group, change: change, asOf: asOf)
        if let asOf {
            try request.checkAsOf() // a refusal goes to `report`: `error: …`, exit 2
            let run: Int64?
            do {
                run = try queue.inDatabase { db in try WarehouseQuery.showState(db, asOf: asOf) }
            } catch let e as DatabaseError {
                eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)")); throw Exit.failure
            }
            guard let run else { eprint("\(warehouse): error: nothing had been published as of \(asOf)"); throw Exit.usage }
            if format == .table { eprint("as of \(asOf): the state published by run \(run)") }
        }
        // A name the warehouse does not have gives an empty table; say so, with the closest names.
        if sql == nil {
            let unknown: [String]
            do {
                unknown = try queue.read { db in try request.unknownNames(db) }
            } catch let e as DatabaseError { eprint(damagedWarehouseLine(warehouse, e)); throw Exit.failure }
            if !unknown.isEmpty { for line in unknown { eprint(line) }; throw Exit.usage }
        }
        let (text, arguments) = try request.statement() // a refusal goes to `report`
        do {
            let table = try queue.read { db in try WarehouseQuery.fetch(db, sql: text, arguments: arguments) }
            render(columns: table.columns, rows: table.rows, format: format)
        } catch let e as DatabaseError where isDamagedDatabase(e) {
            eprint(damagedWarehouseLine(warehouse, e)); throw Exit.failure
        } catch let e as DatabaseError {
            eprint("error: \(e.message ?? "\(e)")\(sql != nil ? " in: \(text)" : "")"); throw Exit.usage
        }
    }
}
