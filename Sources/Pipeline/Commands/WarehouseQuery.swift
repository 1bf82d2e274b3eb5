import GRDB
import Warehouse

/// `etl query`: what is asked of the warehouse (README, "Querying the warehouse"). The command
/// line parses the options into a `WarehouseQuery` and prints the table it gives back; the
/// steps are separate so the command can word each failure (a damaged file, a wrong statement).
public struct WarehouseQuery: Sendable {
    public var indicator: String?
    public var regions: [String]
    /// `2019` or a range `2015:2024`.
    public var years: String?
    /// A read-only SQL statement instead of a selection.
    public var sql: String?
    public var group: String?
    /// `FROM:TO`: the change between two years.
    public var change: String?
    /// A run id or a date: answer from the state published then.
    public var asOf: String?

    public init(
        indicator: String? = nil, regions: [String] = [], years: String? = nil, sql: String? = nil, group: String? = nil,
        change: String? = nil, asOf: String? = nil
    ) {
        self.indicator = indicator
        self.regions = regions
        self.years = years
        self.sql = sql
        self.group = group
        self.change = change
        self.asOf = asOf
    }

    /// Refuses an `--as-of` that is neither a run id nor a date, or that comes with a group
    /// (groups are not kept by vintage): `PipelineError.refused`.
    public func checkAsOf() throws {
        guard let asOf else { return }
        guard Vintages.isValidSpec(asOf) else {
            throw PipelineError.refused("--as-of \"\(asOf)\": expected a run id (42) or a date (2025-04-01)")
        }
        if group != nil {
            throw PipelineError.refused("--as-of answers from v_indicator; comparison groups are not kept by vintage (drop --group)")
        }
    }

    /// Makes `v_indicator` show the state published as of `spec` on this connection (a
    /// temporary view, also seen by `--sql`); the run whose state it is, nil when nothing had
    /// been published then.
    public static func showState(_ db: Database, asOf spec: String) throws -> Int64? {
        guard let run = try Vintages.resolve(db, asOf: spec) else { return nil }
        try Vintages.showState(db, runId: run)
        return run
    }

    /// The names given that the warehouse does not have, one line each (none for `--sql`).
    public func unknownNames(_ db: Database) throws -> [String] {
        guard sql == nil else { return [] }
        return try NameCheck.unknown(db, indicators: indicator.map { [$0] } ?? [], regions: regions, groups: group.map { [$0] } ?? [])
    }

    /// The statement that answers the request: a change between two years, a group's
    /// statistics, the SQL given, or values. A malformed `--years` or `--change` is refused.
    public func statement() throws -> (sql: String, arguments: StatementArguments) {
        if let change {
            let p = change.split(separator: ":").map { Int($0) }
            guard p.count == 2, let from = p[0], let to = p[1] else {
                throw PipelineError.refused("--change \"\(change)\": expected FROM:TO, e.g. 2019:2023")
            }
            guard let indicator else { throw PipelineError.refused("--change needs --indicator") }
            return IndicatorQuery.change(indicator: indicator, from: from, to: to, group: group, regions: regions).statement
        } else if let group {
            return IndicatorQuery.group(group, indicator: indicator, years: try yearRange()).statement
        } else if let sql {
            return (sql, StatementArguments())
        } else {
            return IndicatorQuery.values(indicator: indicator, regions: regions, years: try yearRange()).statement
        }
    }

    /// `--years 2019` or `--years 2015:2024`.
    func yearRange() throws -> ClosedRange<Int>? {
        guard let years else { return nil }
        let parts = years.split(separator: ":").map { Int($0) }
        guard !parts.isEmpty, parts.count <= 2, let lo = parts[0], let hi = parts.last!, lo <= hi else {
            throw PipelineError.refused("--years \"\(years)\": expected a year (2019) or a range (2015:2024)")
        }
        return lo...hi
    }

    /// Runs a statement that only reads; any other is refused (the warehouse is opened
    /// read-only for queries). SQLite's own errors come through as they are.
    public static func fetch(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> ResultTable {
        let stmt = try db.makeStatement(sql: sql)
        guard stmt.isReadonly else {
            throw PipelineError.refused("only read-only statements are allowed; the warehouse is opened read-only for queries")
        }
        stmt.arguments = arguments
        let rows: [[DatabaseValue]] = try Row.fetchAll(stmt).map { r in Array(r.databaseValues) }
        return ResultTable(columns: stmt.columnNames, rows: rows)
    }

    /// The whole answer on one connection, as `etl query` gives it: the state as of `asOf`
    /// (nothing published then is refused), unknown names refused (one line each), then the
    /// statement's rows. For callers that need no wording of their own for each step.
    public func answer(_ db: Database) throws -> (asOfRun: Int64?, table: ResultTable) {
        try checkAsOf()
        var run: Int64?
        if let asOf {
            guard let r = try Self.showState(db, asOf: asOf) else {
                throw PipelineError.refused("nothing had been published as of \(asOf)")
            }
            run = r
        }
        let unknown = try unknownNames(db)
        if !unknown.isEmpty { throw PipelineError.refused(unknown.joined(separator: "\n")) }
        let (text, arguments) = try statement()
        return (run, try Self.fetch(db, sql: text, arguments: arguments))
    }
}
