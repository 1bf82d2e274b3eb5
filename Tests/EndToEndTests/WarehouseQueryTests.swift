import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// What `etl query` asks of the warehouse and what it refuses (README, "Querying the
/// warehouse"; docs/bad-input.md), on the sample warehouse.
// Behaviour (in process): `WarehouseQuery` and `NameCheck`; what the command prints for each
// refusal is in CommandLineTests and RunCommandLineTests.
@Suite struct WarehouseQueryTests {
    func sample() throws -> (dir: URL, queue: DatabaseQueue) {
        let dir = try scratchWithPipelines()
        let r = runInProcess(in: dir)
        #expect(r.status == 0, "\(r.diagnosis)")
        return (dir, try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")))
    }

    @Test func valuesOfAnIndicatorRegionAndYears() throws {
        let (dir, queue) = try sample()
        defer { try? FileManager.default.removeItem(at: dir) }
        let answer = try queue.inDatabase { db in
            try WarehouseQuery(indicator: "innbyggere_80", regions: ["3118"], years: "2019:2020").answer(db)
        }
        #expect(answer.asOfRun == nil)
        let t = answer.table
        let year = try #require(t.columns.firstIndex(of: "year")), region = try #require(t.columns.firstIndex(of: "region"))
        #expect(t.rows.map { Int.fromDatabaseValue($0[year]) } == [2019, 2020], "\(t.rows)")
        #expect(t.rows.allSatisfy { $0[region] == "3118".databaseValue })
        // The same values as v_indicator has, rounded to the indicator's decimals.
        let direct = try queue.read { db in
            try DatabaseValue.fetchAll(
                db,
                sql:
                    "SELECT round(value, decimals) FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '3118' AND year BETWEEN 2019 AND 2020 ORDER BY year"
            )
        }
        let value = try #require(t.columns.firstIndex(of: "value"))
        #expect(t.rows.map { $0[value] } == direct)
    }

    @Test func unknownNamesGetTheClosestValidOnes() throws {
        let (dir, queue) = try sample()
        defer { try? FileManager.default.removeItem(at: dir) }
        func unknown(_ q: WarehouseQuery) throws -> [String] { try queue.read { db in try q.unknownNames(db) } }
        #expect(
            try unknown(WarehouseQuery(indicator: "legemiddelgjenomgang")) == [
                "error: unknown indicator `legemiddelgjenomgang`; did you mean `legemiddelgjennomgang`?"
            ])
        #expect(
            try unknown(WarehouseQuery(indicator: "legemiddelgjennomgang", group: "EKG8")).first?.hasPrefix(
                "error: unknown group `EKG8`; did you mean `EKG08`") == true)
        #expect(
            try unknown(WarehouseQuery(indicator: "legemiddelgjennomgang", regions: ["3118", "Oslo"])) == [
                "error: unknown region `Oslo`; no region in the warehouse has a similar name (`etl query --sql \"SELECT code FROM dim_region\"` lists them)"
            ])
        #expect(try unknown(WarehouseQuery(indicator: "legemiddelgjennomgang", regions: ["3118"])).isEmpty)
        // A statement of the user's own is not checked for names.
        #expect(try unknown(WarehouseQuery(indicator: "nope", sql: "SELECT 1")).isEmpty)
        #expect(
            try queue.read { db in try NameCheck.unknown(db, indicators: ["legemiddelgjenomgang"], regions: [], groups: []) }
                == unknown(WarehouseQuery(indicator: "legemiddelgjenomgang")))
        #expect(throws: PipelineError.refused("error: unknown indicator `legemiddelgjenomgang`; did you mean `legemiddelgjennomgang`?")) {
            try queue.inDatabase { db in try WarehouseQuery(indicator: "legemiddelgjenomgang").answer(db) }
        }
    }

    @Test func malformedOptionsAndWritingStatementsAreRefused() throws {
        let (dir, queue) = try sample()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PipelineError.refused("--years \"2020:2019\": expected a year (2019) or a range (2015:2024)")) {
            try WarehouseQuery(indicator: "innbyggere_80", years: "2020:2019").statement()
        }
        #expect(throws: PipelineError.refused("--change \"2019\": expected FROM:TO, e.g. 2019:2023")) {
            try WarehouseQuery(indicator: "innbyggere_80", change: "2019").statement()
        }
        #expect(throws: PipelineError.refused("--change needs --indicator")) { try WarehouseQuery(change: "2019:2023").statement() }
        #expect(throws: PipelineError.refused("--as-of \"yesterday\": expected a run id (42) or a date (2025-04-01)")) {
            try WarehouseQuery(asOf: "yesterday").checkAsOf()
        }
        #expect(
            throws: PipelineError.refused("--as-of answers from v_indicator; comparison groups are not kept by vintage (drop --group)")
        ) { try WarehouseQuery(group: "EKG08", asOf: "1").checkAsOf() }
        #expect(
            throws: PipelineError.refused("only read-only statements are allowed; the warehouse is opened read-only for queries")
        ) { try queue.inDatabase { db in try WarehouseQuery.fetch(db, sql: "DROP TABLE fact_indicator") } }
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fact_indicator") }! > 0)
        // The change between two years names both and the difference's unit.
        let change = try queue.inDatabase { db in
            try WarehouseQuery(indicator: "innbyggere_80", regions: ["3118"], change: "2019:2020").answer(db).table
        }
        #expect(change.rows.count == 1, "\(change.rows)")
        #expect(change.columns.contains("change_percent") && change.columns.contains("difference_unit"))
    }
}
