import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// Writes dimensions and harmonised facts.
public final class FactWriter {
    let db: Database
    let runId: Int64
    let structureYear: Int
    let fact: Binder
    let lineage: Binder
    var regionKeys: [String: Int64] = [:]
    var indicatorKeys: [String: Int64] = [:]
    var breakdownKeys: [String: Int64] = [:]
    var groupKeys: [String: Int64] = [:]
    var periods = Set<Int>()
    public private(set) var written = 0
    let regions: RegionCatalog
    let labels: [String: String]
    /// Breakdown category labels from `stg_label`, by lower-cased `dimension=code`.
    let categoryLabels: [String: String]

    /// Clears the harmonised layer and prepares to write a new one.
    public init(_ db: Database, runId: Int64, structureYear: Int, regions: RegionCatalog, indicators: [IndicatorDefinition]) throws {
        self.db = db
        self.runId = runId
        self.structureYear = structureYear
        self.regions = regions
        try db.execute(
            sql: """
                DELETE FROM fact_lineage; DELETE FROM fact_indicator; DELETE FROM fact_group_indicator; DELETE FROM dim_group_member;
                DELETE FROM dim_group; DELETE FROM dim_indicator; DELETE FROM dim_region; DELETE FROM dim_breakdown; DELETE FROM dim_region_member;
                """)
        var labels: [String: String] = [:]
        for l in try Staging.regionLabels(db) where labels[l.code] == nil { labels[l.code] = l.name }
        self.labels = labels
        // The sources' own labels of breakdown categories (`Kjonn=2` → `Kvinner`), first source wins.
        var categoryLabels: [String: String] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT dimension, code, label FROM stg_label WHERE role <> 'geo' ORDER BY source_key, dimension, code")
        {
            let key = "\(r[0] as String)=\(r[1] as String)".lowercased()
            if categoryLabels[key] == nil { categoryLabels[key] = r[2] }
        }
        self.categoryLabels = categoryLabels
        fact = try Binder(
            db,
            sql: """
                INSERT INTO fact_indicator(indicator_key, region_key, period_key, breakdown_key, structure_year, value, numerator, denominator, weight, status, method, note, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        lineage = try Binder(db, sql: "INSERT OR IGNORE INTO fact_lineage(fact_id, source_region, source_year, share) VALUES (?, ?, ?, ?)")
        try writeRegions()
        for def in indicators {
            try db.execute(
                sql: """
                    INSERT INTO dim_indicator(code, name, name_en, unit, kind, numerator, denominator, measure, weight, minus, scale, decimals, population, source_tables, definition)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    def.code, def.name, def.nameEn, def.unit, def.kind.rawValue, def.numerator, def.denominator, def.measure, def.weight,
                    def.minus,
                    def.scale, def.decimals, def.population, def.sourceTables.joined(separator: ","), def.definition
                ])
            indicatorKeys[def.code] = db.lastInsertedRowID
        }
    }

    /// One row per code and validity period from the catalogue; codes the catalogue does not
    /// know get their published label and no validity bounds.
    private func writeRegions() throws {
        for (code, periods) in regions.validity.sorted(by: { $0.key < $1.key }) {
            for p in periods {
                try db.execute(
                    sql: "INSERT INTO dim_region(code, name, level, valid_from, valid_to) VALUES (?, ?, 'kommune', ?, ?)",
                    arguments: [code, p.name, p.from, p.to])
            }
        }
        // Counties from the register, under both of SSB's forms (`31`, `EKA31`).
        for (code, periods) in (regions.register?.fylker ?? [:]).sorted(by: { $0.key < $1.key }) {
            for p in periods {
                for c in [code, "EKA" + code] {
                    try db.execute(
                        sql: "INSERT INTO dim_region(code, name, level, valid_from, valid_to) VALUES (?, ?, 'fylke', ?, ?)",
                        arguments: [c, p.name, p.from, p.to])
                }
            }
        }
        let counties = regions.register?.fylker ?? [:]
        for (code, name) in labels.sorted(by: { $0.key < $1.key })
        where !regions.isKnown(code) && !code.hasPrefix("K-")
            && counties[code] == nil && !(code.hasPrefix("EKA") && counties[String(code.dropFirst(3))] != nil)
        {
            try db.execute(
                sql: "INSERT OR IGNORE INTO dim_region(code, name, level) VALUES (?, ?, ?)",
                arguments: [code, name, RegionLevel.of(code).rawValue])
        }
    }

    /// Stable units (docs/PIPELINE.md, "Stable units"): one `dim_region` row per unit of
    /// several codes (level `annet`), its members in `dim_region_member`.
    public func writeUnits(_ units: StableUnits) throws {
        for u in units.units.values.sorted(by: { $0.code < $1.code }) where u.members.count > 1 {
            try db.execute(
                sql: "INSERT INTO dim_region(code, name, level, valid_from, valid_to) VALUES (?, ?, 'annet', ?, ?)",
                arguments: [u.code, u.name, units.years.lowerBound, units.years.upperBound])
            for m in u.members {
                try db.execute(sql: "INSERT INTO dim_region_member(unit_code, member_code) VALUES (?, ?)", arguments: [u.code, m])
            }
        }
    }

    /// The dimension key of a region code in a year (the period in which it is valid, or its
    /// newest period), added on the fly for codes nobody has named.
    func regionKey(_ code: String, year: Int) throws -> Int64 {
        let cacheKey = "\(code)@\(year)"
        if let k = regionKeys[cacheKey] { return k }
        let k = try Int64.fetchOne(
            db,
            sql: """
                SELECT region_key FROM dim_region WHERE code = ?
                ORDER BY (ifnull(valid_from, 0) <= ? AND ifnull(valid_to, 9999) >= ?) DESC, ifnull(valid_from, 0) DESC LIMIT 1
                """, arguments: [code, year, year])
        if let k { regionKeys[cacheKey] = k; return k }
        try db.execute(
            sql: "INSERT INTO dim_region(code, name, level) VALUES (?, ?, ?)",
            arguments: [code, labels[code] ?? code, RegionLevel.of(code).rawValue])
        let nk = db.lastInsertedRowID
        regionKeys[cacheKey] = nk
        return nk
    }

    func breakdownKey(_ code: String) throws -> Int64 {
        if let k = breakdownKeys[code] { return k }
        // Its kind and the sources' labels (`Menn`, `80 år`): `Breakdown` in Transform.
        try db.execute(
            sql: "INSERT INTO dim_breakdown(code, kind, label) VALUES (?, ?, ?)",
            arguments: [code, Breakdown.kind(of: code).rawValue, Breakdown.label(of: code, labels: categoryLabels)])
        breakdownKeys[code] = db.lastInsertedRowID
        return db.lastInsertedRowID
    }

    public func write(_ v: IndicatorValue) throws {
        guard let ik = indicatorKeys[v.indicator] else { throw WarehouseError.failed("indicator \(v.indicator) is not in dim_indicator") }
        try period(v.key.year)
        let rk = try regionKey(v.key.region, year: v.method == .notComputable ? v.key.year : structureYear)
        let bk = try breakdownKey(v.key.breakdown)
        fact.bind(1, ik); fact.bind(2, rk); fact.bind(3, Int64(v.key.year)); fact.bind(4, bk); fact.bind(5, Int64(structureYear))
        fact.bind(6, v.method == .notComputable ? nil : v.value); fact.bind(7, v.numerator); fact.bind(8, v.denominatorValue);
        fact.bind(9, v.weight)
        fact.bind(10, v.status); fact.bind(11, v.method.rawValue); fact.bind(12, v.note); fact.bind(13, runId)
        try fact.step()
        let fid = db.lastInsertedRowID
        written += 1
        for l in v.lineage {
            lineage.bind(1, fid); lineage.bind(2, l.code); lineage.bind(3, Int64(l.year)); lineage.bind(4, l.share.isNaN ? nil : l.share)
            try lineage.step()
        }
    }

    func period(_ year: Int) throws {
        if !periods.contains(year) {
            try db.execute(
                sql: "INSERT OR IGNORE INTO dim_period(period_key, year, label) VALUES (?, ?, ?)", arguments: [year, year, String(year)])
            periods.insert(year)
        }
    }

    /// Registers comparison groups and their members per year.
    public func writeGroups(_ groups: [ComparisonGroup], years: [Int], nationalMembers: [Int: Set<String>]) throws {
        for g in groups {
            try db.execute(sql: "INSERT INTO dim_group(code, name, kind) VALUES (?, ?, ?)", arguments: [g.code, g.name, g.kind.rawValue])
            let key = db.lastInsertedRowID
            groupKeys[g.code] = key
            for y in years {
                for m in (g.kind == .national ? nationalMembers[y] ?? [] : g.members(in: y)).sorted() {
                    try db.execute(
                        sql: "INSERT INTO dim_group_member(group_key, year, region_code) VALUES (?, ?, ?)", arguments: [key, y, m])
                }
            }
        }
    }

    public func write(_ g: GroupValue) throws {
        guard let gk = groupKeys[g.group], let ik = indicatorKeys[g.indicator] else {
            throw WarehouseError.failed("unknown group \(g.group) or indicator \(g.indicator)")
        }
        try period(g.year)
        try db.execute(
            sql: """
                INSERT INTO fact_group_indicator(group_key, indicator_key, period_key, breakdown_key, structure_year, mean, weighted, median, min, max, n_with_value, n_members, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                gk, ik, g.year, try breakdownKey(g.breakdown), structureYear, g.mean, g.weighted, g.median, g.min, g.max, g.count,
                g.members, runId
            ])
    }

    public func close() {
        fact.finalize()
        lineage.finalize()
    }
}
