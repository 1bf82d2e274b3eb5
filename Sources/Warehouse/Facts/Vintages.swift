// Why this file is long: source versions, fact history, per-run changes and the rebuild of a past
// state work on the same tables and must agree; they are kept together.

import Foundation
import GRDB
import Transform

/// Vintages (README, "What changed last night"): every version of a staged source, every
/// value a fact has had, and what each publication changed.
///
/// - A source's versions are rows of `etl_source_version`; staging (`stg_observation`) holds
///   the newest. A new version stores, in `etl_source_cell`, only the cells that differ from
///   the version before it, with their previous content: enough to step staging back one
///   version at a time, at a cost proportional to what changed.
/// - `fact_indicator.run_id` is the run in which a fact got its current value; the values it
///   had before are in `fact_history`, with the run that replaced them.
/// - Each publication has a row in `etl_vintage` (its content hash and its counts) and its
///   changes against the previous publication in `etl_change`.
public enum Vintages {
    static let v6 = """
        CREATE TABLE etl_source_version (
            source_id TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            content_hash TEXT NOT NULL,
            updated TEXT,
            origin TEXT,
            loaded_at TEXT NOT NULL,
            run_id INTEGER NOT NULL,
            observations INTEGER NOT NULL,
            cells_added INTEGER NOT NULL DEFAULT 0,
            cells_removed INTEGER NOT NULL DEFAULT 0,
            cells_revised INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (source_id, version)
        ) WITHOUT ROWID;
        INSERT INTO etl_source_version(source_id, version, content_hash, updated, origin, loaded_at, run_id, observations)
        SELECT source_id, 1, content_hash, updated, origin, loaded_at, loaded_run_id, observations FROM dim_source;

        CREATE TABLE etl_source_cell (
            source_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            measure TEXT NOT NULL,
            region TEXT NOT NULL,
            period TEXT NOT NULL,
            breakdown TEXT NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('added', 'removed', 'revised')),
            value REAL,
            status TEXT,
            in_validity INTEGER,
            line INTEGER,
            col INTEGER,
            path TEXT,
            new_value REAL,
            new_status TEXT,
            PRIMARY KEY (source_id, version, measure, region, period, breakdown)
        ) WITHOUT ROWID;

        CREATE TABLE fact_history (
            indicator TEXT NOT NULL,
            region TEXT NOT NULL,
            region_from INTEGER NOT NULL,
            year INTEGER NOT NULL,
            breakdown TEXT NOT NULL,
            structure_year INTEGER NOT NULL,
            superseded_run_id INTEGER NOT NULL,
            value REAL,
            numerator REAL,
            denominator REAL,
            weight REAL,
            status TEXT,
            method TEXT NOT NULL,
            note TEXT,
            run_id INTEGER NOT NULL CHECK (run_id < superseded_run_id),
            PRIMARY KEY (indicator, region, region_from, year, breakdown, structure_year, superseded_run_id)
        ) WITHOUT ROWID;
        CREATE INDEX fact_history_runs ON fact_history(superseded_run_id, run_id);

        CREATE TABLE etl_change (
            run_id INTEGER NOT NULL,
            indicator TEXT NOT NULL,
            sources TEXT,
            region TEXT NOT NULL,
            year INTEGER NOT NULL,
            breakdown TEXT NOT NULL,
            structure_year INTEGER NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('added', 'removed', 'revised')),
            old_value REAL,
            new_value REAL,
            relative_change REAL,
            old_status TEXT,
            new_status TEXT
        );
        CREATE INDEX etl_change_run ON etl_change(run_id, indicator);

        CREATE TABLE etl_indicator_source (indicator TEXT PRIMARY KEY, sources TEXT NOT NULL) WITHOUT ROWID;

        -- Scratch tables of a run (empty between runs): the facts before and after, by their codes.
        -- Kept rather than created per run, so a run does not rewrite the schema.
        CREATE TABLE etl_vintage_previous (
            indicator TEXT, region TEXT, region_from INTEGER, year INTEGER, breakdown TEXT, structure_year INTEGER,
            value REAL, numerator REAL, denominator REAL, weight REAL, status TEXT, method TEXT, note TEXT, run_id INTEGER
        );
        CREATE INDEX etl_vintage_previous_key ON etl_vintage_previous(indicator, region, region_from, year, breakdown, structure_year);
        CREATE TABLE etl_vintage_new (
            fact_id INTEGER, indicator TEXT, region TEXT, region_from INTEGER, year INTEGER, breakdown TEXT, structure_year INTEGER,
            value REAL, numerator REAL, denominator REAL, weight REAL, status TEXT, method TEXT, note TEXT, run_id INTEGER
        );
        CREATE INDEX etl_vintage_new_key ON etl_vintage_new(indicator, region, region_from, year, breakdown, structure_year);

        CREATE TABLE etl_vintage (
            run_id INTEGER PRIMARY KEY,
            published_at TEXT NOT NULL,
            structure_year INTEGER NOT NULL,
            previous_run_id INTEGER,
            facts INTEGER NOT NULL,
            added INTEGER NOT NULL,
            removed INTEGER NOT NULL,
            revised INTEGER NOT NULL,
            hash TEXT NOT NULL,
            summary TEXT NOT NULL
        );

        CREATE VIEW v_change AS
        SELECT c.run_id, c.indicator, i.name AS indicator_name, c.sources, c.region, c.year, c.breakdown, c.structure_year, c.change,
               c.old_value, c.new_value, c.relative_change, c.old_status, c.new_status
        FROM etl_change c LEFT JOIN dim_indicator i ON i.code = c.indicator;

        CREATE VIEW v_vintage AS
        SELECT v.run_id, v.published_at, r.command, v.structure_year, v.previous_run_id, v.facts, v.added, v.removed, v.revised,
               substr(v.hash, 1, 12) AS hash, v.hash AS full_hash, v.summary
        FROM etl_vintage v LEFT JOIN etl_run r USING (run_id);

        CREATE VIEW v_source_version AS
        SELECT source_id, version, content_hash, updated, origin, loaded_at, run_id, observations, cells_added, cells_removed, cells_revised
        FROM etl_source_version;

        CREATE VIEW v_indicator_history AS
        SELECT i.code AS indicator, r.code AS region, ifnull(r.valid_from, 0) AS region_from, p.year AS year, b.code AS breakdown,
               f.structure_year AS structure_year, f.value AS value, f.numerator AS numerator, f.denominator AS denominator, f.weight AS weight,
               f.status AS status, f.method AS method, f.note AS note, f.run_id AS from_run_id, NULL AS to_run_id
        FROM fact_indicator f
        JOIN dim_indicator i USING (indicator_key)
        JOIN dim_region r USING (region_key)
        JOIN dim_period p USING (period_key)
        JOIN dim_breakdown b USING (breakdown_key)
        UNION ALL
        SELECT indicator, region, region_from, year, breakdown, structure_year, value, numerator, denominator, weight, status, method, note,
               run_id, superseded_run_id
        FROM fact_history;
        """

    /// A source's staged rows before it is staged again are kept under this prefix of its id
    /// until the new version has been compared with them.
    static let asidePrefix = "\u{1}previous:"

    // MARK: Source versions

    /// Before a source is staged again: renames its staged source so the new version can be
    /// compared with it (`recordVersion`). Its labels go at once, as they did before (the new
    /// version's labels replace them). Returns its key, nil for a source never staged.
    public static func setAside(_ db: Database, sourceId: String) throws -> Int64? {
        guard let key = try Int64.fetchOne(db, sql: "SELECT source_key FROM dim_source WHERE source_id = ?", arguments: [sourceId]) else {
            return nil
        }
        try db.execute(sql: "UPDATE dim_source SET source_id = ? WHERE source_key = ?", arguments: [asidePrefix + sourceId, key])
        try db.execute(sql: "DELETE FROM stg_label WHERE source_key = ?", arguments: [key])
        return key
    }

    /// After a source is staged: records its version (when its content differs from the last
    /// one recorded), stores the cells that differ from the version set aside, and drops that.
    public static func recordVersion(_ db: Database, sourceId: String, key: Int64, previous: Int64?, runId: Int64) throws {
        guard
            let cur = try Row.fetchOne(
                db, sql: "SELECT content_hash, updated, origin, loaded_at, observations FROM dim_source WHERE source_key = ?",
                arguments: [key])
        else { return }
        let last = try Row.fetchOne(
            db, sql: "SELECT version, content_hash FROM etl_source_version WHERE source_id = ? ORDER BY version DESC LIMIT 1",
            arguments: [sourceId])
        let hash: String = cur["content_hash"]
        if let last, (last["content_hash"] as String) == hash {
            // The same content staged again (a full refresh): no new version.
            if let previous { try db.execute(sql: "DELETE FROM dim_source WHERE source_key = ?", arguments: [previous]) }
            return
        }
        let version = ((last?["version"] as Int64?) ?? 0) + 1
        var added = 0, removed = 0, revised = 0
        if let previous, last != nil {
            // Walk the new version's cells, each looked up in the previous one by key; then the
            // previous version's cells the new one lacks. Locations (line, column, path) are
            // kept but not compared: a row moved in the file is not a revised value.
            try db.execute(
                sql: """
                    INSERT INTO etl_source_cell(source_id, version, measure, region, period, breakdown, change, value, status, in_validity, line, col, path, new_value, new_status)
                    SELECT ?, ?, nm.code, n.region, n.period, n.breakdown, CASE WHEN o.region IS NULL THEN 'added' ELSE 'revised' END,
                           o.value, o.status, o.in_validity, o.line, o.col, o.path, n.value, n.status
                    FROM stg_measure nm
                    JOIN stg_observation n ON n.source_key = nm.source_key AND n.measure_key = nm.measure_key
                    LEFT JOIN stg_measure om ON om.source_key = ? AND om.code = nm.code
                    LEFT JOIN stg_observation o ON o.source_key = ? AND o.region = n.region AND o.period = n.period
                         AND o.measure_key = om.measure_key AND o.breakdown = n.breakdown
                    WHERE nm.source_key = ?
                      AND (o.region IS NULL OR o.value IS NOT n.value OR o.status IS NOT n.status OR o.in_validity <> n.in_validity)
                    """, arguments: [sourceId, version, previous, previous, key])
            try db.execute(
                sql: """
                    INSERT INTO etl_source_cell(source_id, version, measure, region, period, breakdown, change, value, status, in_validity, line, col, path, new_value, new_status)
                    SELECT ?, ?, om.code, o.region, o.period, o.breakdown, 'removed', o.value, o.status, o.in_validity, o.line, o.col, o.path, NULL, NULL
                    FROM stg_measure om
                    JOIN stg_observation o ON o.source_key = om.source_key AND o.measure_key = om.measure_key
                    LEFT JOIN stg_measure nm ON nm.source_key = ? AND nm.code = om.code
                    WHERE om.source_key = ?
                      AND NOT EXISTS (SELECT 1 FROM stg_observation n WHERE n.source_key = ? AND n.region = o.region AND n.period = o.period
                                      AND n.measure_key = nm.measure_key AND n.breakdown = o.breakdown)
                    """, arguments: [sourceId, version, key, previous, key])
            for row in try Row.fetchAll(
                db, sql: "SELECT change, count(*) AS n FROM etl_source_cell WHERE source_id = ? AND version = ? GROUP BY change",
                arguments: [sourceId, version])
            {
                switch row["change"] as String {
                case "added": added = row["n"]
                case "removed": removed = row["n"]
                default: revised = row["n"]
                }
            }
        }
        try insertVersion(
            db, sourceId: sourceId, version: version, source: cur, runId: runId, added: added, removed: removed, revised: revised)
        if let previous { try db.execute(sql: "DELETE FROM dim_source WHERE source_key = ?", arguments: [previous]) }
    }

    private static func insertVersion(
        _ db: Database, sourceId: String, version: Int64, source cur: Row, runId: Int64, added: Int, removed: Int, revised: Int
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO etl_source_version(source_id, version, content_hash, updated, origin, loaded_at, run_id, observations, cells_added, cells_removed, cells_revised)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sourceId, version, cur["content_hash"] as String, cur["updated"] as String?, cur["origin"] as String?,
                cur["loaded_at"] as String, runId, cur["observations"] as Int, added, removed, revised
            ])
    }

    /// The version a source restaged in place (`StagingWriter.restaging`) becomes: nil when
    /// `hash` is the content of its last version (a full refresh: no new version, nothing
    /// recorded). `recordCells` is false when no earlier version is on record to compare with.
    public static func nextVersion(_ db: Database, sourceId: String, hash: String) throws -> (number: Int64, recordCells: Bool)? {
        let last = try Row.fetchOne(
            db, sql: "SELECT version, content_hash FROM etl_source_version WHERE source_id = ? ORDER BY version DESC LIMIT 1",
            arguments: [sourceId])
        guard let last else { return (1, false) }
        if (last["content_hash"] as String) == hash { return nil }
        return ((last["version"] as Int64) + 1, true)
    }

    /// Records version `number` of a source restaged in place, with the counts of the cells
    /// the restaging recorded.
    public static func recordRestaged(
        _ db: Database, sourceId: String, key: Int64, number: Int64, runId: Int64, added: Int, removed: Int, revised: Int
    ) throws {
        guard
            let cur = try Row.fetchOne(
                db, sql: "SELECT content_hash, updated, origin, loaded_at, observations FROM dim_source WHERE source_key = ?",
                arguments: [key])
        else { return }
        try insertVersion(
            db, sourceId: sourceId, version: number, source: cur, runId: runId, added: added, removed: removed, revised: revised)
    }

    /// Steps staging back to the sources' versions at publication `runId`: each source's
    /// newer versions are undone, newest first, from their stored cells; a source first
    /// staged after it is dropped. For `etl rerun --as-of`, on a copy of the warehouse.
    public static func restoreStaging(_ db: Database, asOf runId: Int64) throws {
        for sourceId in try String.fetchAll(db, sql: "SELECT DISTINCT source_id FROM etl_source_version ORDER BY source_id") {
            let target = try Int64.fetchOne(
                db, sql: "SELECT max(version) FROM etl_source_version WHERE source_id = ? AND run_id <= ?", arguments: [sourceId, runId])
            let latest =
                try Int64.fetchOne(db, sql: "SELECT max(version) FROM etl_source_version WHERE source_id = ?", arguments: [sourceId]) ?? 0
            guard let key = try Warehouse.sourceKey(db, sourceId: sourceId) else {
                if target == nil { continue }
                throw WarehouseError.failed(
                    "error: source \(sourceId) was published in run \(runId) but is no longer staged (the pipeline dropped it); its cells were not kept, so that state cannot be rebuilt"
                )
            }
            guard let target else {
                try db.execute(sql: "DELETE FROM dim_source WHERE source_key = ?", arguments: [key])
                continue
            }
            var v = latest
            while v > target {
                let args: StatementArguments = [key, sourceId, v]
                try db.execute(
                    sql:
                        "INSERT OR IGNORE INTO stg_measure(source_key, code) SELECT DISTINCT ?, measure FROM etl_source_cell WHERE source_id = ? AND version = ?",
                    arguments: args)
                try db.execute(
                    sql: """
                        DELETE FROM stg_observation WHERE (source_key, region, period, measure_key, breakdown) IN (
                            SELECT m.source_key, c.region, c.period, m.measure_key, c.breakdown
                            FROM etl_source_cell c JOIN stg_measure m ON m.source_key = ? AND m.code = c.measure
                            WHERE c.source_id = ? AND c.version = ? AND c.change IN ('added', 'revised'))
                        """, arguments: args)
                try db.execute(
                    sql: """
                        INSERT INTO stg_observation(source_key, region, period, measure_key, breakdown, value, status, in_validity, line, col, path)
                        SELECT m.source_key, c.region, c.period, m.measure_key, c.breakdown, c.value, c.status, c.in_validity, c.line, c.col, c.path
                        FROM etl_source_cell c JOIN stg_measure m ON m.source_key = ? AND m.code = c.measure
                        WHERE c.source_id = ? AND c.version = ? AND c.change IN ('removed', 'revised')
                        """, arguments: args)
                v -= 1
            }
            if latest > target {
                try db.execute(
                    sql: """
                        DELETE FROM stg_measure WHERE source_key = ? AND measure_key NOT IN (SELECT DISTINCT measure_key FROM stg_observation WHERE source_key = ?)
                        """, arguments: [key, key])
                try db.execute(
                    sql: """
                        UPDATE dim_source SET (content_hash, updated, origin, loaded_at, observations) =
                            (SELECT content_hash, updated, origin, loaded_at, observations FROM etl_source_version WHERE source_id = ? AND version = ?)
                        WHERE source_key = ?
                        """, arguments: [sourceId, target, key])
            }
        }
    }

    // MARK: Publications

    static let factKey = "indicator, region, region_from, year, breakdown, structure_year"
    static let factColumns = "value, numerator, denominator, weight, status, method, note"
    static let sameKey =
        "n.indicator = p.indicator AND n.region = p.region AND n.region_from = p.region_from AND n.year = p.year AND n.breakdown = p.breakdown AND n.structure_year = p.structure_year"
    static let sameValues =
        "n.value IS p.value AND n.numerator IS p.numerator AND n.denominator IS p.denominator AND n.weight IS p.weight AND n.status IS p.status AND n.method = p.method AND n.note IS p.note"

    static func factsWithCodes(idColumn: String) -> String {
        """
        SELECT \(idColumn) i.code AS indicator, r.code AS region, ifnull(r.valid_from, 0) AS region_from, p.year AS year, b.code AS breakdown,
               f.structure_year AS structure_year, f.value, f.numerator, f.denominator, f.weight, f.status, f.method, f.note, f.run_id
        FROM fact_indicator f JOIN dim_indicator i USING (indicator_key) JOIN dim_region r USING (region_key)
             JOIN dim_period p USING (period_key) JOIN dim_breakdown b USING (breakdown_key)
        """
    }

    /// Before the harmonised layer is rebuilt: keeps the published facts, by their codes, in a
    /// scratch table of this transaction (dropped by `publish`).
    public static func keepPrevious(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM etl_vintage_previous;
                INSERT INTO etl_vintage_previous(\(factKey), \(factColumns), run_id) \(factsWithCodes(idColumn: ""));
                """)
    }

    /// After the harmonised layer is written: gives each fact whose value did not change the
    /// run it got that value in, moves the values replaced or removed to `fact_history`,
    /// records the changes in `etl_change` and the publication in `etl_vintage`. `hashRow` is
    /// given every published fact in key order (its codes and values, not its run) and
    /// `hashFinish` returns the content hash of them all.
    /// `carryOver` false (a warehouse taken over by another pipeline): every fact starts a new
    /// life in this run; the previous owner's values all go to `fact_history`.
    public static func publish(
        _ db: Database, runId: Int64, structureYear: Int, indicatorSources: [String: String], carryOver: Bool = true,
        hashRow: (Data) -> Void, hashFinish: () -> String
    ) throws -> RevisionSummary {
        var summary = RevisionSummary()
        summary.previousRunId = try Int64.fetchOne(db, sql: "SELECT max(run_id) FROM etl_vintage")
        try db.execute(
            sql: """
                DELETE FROM etl_vintage_new;
                INSERT INTO etl_vintage_new(fact_id, \(factKey), \(factColumns), run_id) \(factsWithCodes(idColumn: "f.fact_id,"));
                """)
        for (indicator, sources) in indicatorSources {
            try db.execute(
                sql: "INSERT OR REPLACE INTO etl_indicator_source(indicator, sources) VALUES (?, ?)", arguments: [indicator, sources])
        }
        // Unchanged facts keep the run that gave them their value.
        if carryOver {
            try db.execute(
                sql: """
                    UPDATE fact_indicator SET run_id = s.run_id
                    FROM (SELECT n.fact_id, p.run_id FROM etl_vintage_new n JOIN etl_vintage_previous p ON \(sameKey) AND \(sameValues)) AS s
                    WHERE fact_indicator.fact_id = s.fact_id
                    """)
        }
        // Values replaced or removed stay queryable (`etl query --as-of`).
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO fact_history(\(factKey), \(factColumns), run_id, superseded_run_id)
                SELECT p.indicator, p.region, p.region_from, p.year, p.breakdown, p.structure_year, p.value, p.numerator, p.denominator, p.weight,
                       p.status, p.method, p.note, p.run_id, ?
                FROM etl_vintage_previous p
                WHERE p.run_id < ? AND (? = 0 OR NOT EXISTS (SELECT 1 FROM etl_vintage_new n WHERE \(sameKey) AND \(sameValues)))
                """, arguments: [runId, runId, carryOver])
        try db.execute(
            sql: """
                INSERT INTO etl_change(run_id, indicator, sources, region, year, breakdown, structure_year, change, old_value, new_value, relative_change, old_status, new_status)
                SELECT ?, n.indicator, s.sources, n.region, n.year, n.breakdown, n.structure_year, 'added', NULL, n.value, NULL, NULL, n.status
                FROM etl_vintage_new n LEFT JOIN etl_indicator_source s ON s.indicator = n.indicator
                WHERE NOT EXISTS (SELECT 1 FROM etl_vintage_previous p WHERE \(sameKey))
                UNION ALL
                SELECT ?, p.indicator, s.sources, p.region, p.year, p.breakdown, p.structure_year, 'removed', p.value, NULL, NULL, p.status, NULL
                FROM etl_vintage_previous p LEFT JOIN etl_indicator_source s ON s.indicator = p.indicator
                WHERE NOT EXISTS (SELECT 1 FROM etl_vintage_new n WHERE \(sameKey))
                UNION ALL
                SELECT ?, n.indicator, s.sources, n.region, n.year, n.breakdown, n.structure_year, 'revised', p.value, n.value,
                       CASE WHEN p.value <> 0 THEN (n.value - p.value) / abs(p.value) END, p.status, n.status
                FROM etl_vintage_new n JOIN etl_vintage_previous p ON \(sameKey) LEFT JOIN etl_indicator_source s ON s.indicator = n.indicator
                WHERE n.value IS NOT p.value OR n.status IS NOT p.status
                """, arguments: [runId, runId, runId])
        for row in try Row.fetchAll(
            db, sql: "SELECT change, count(*) AS n, count(DISTINCT indicator) AS k FROM etl_change WHERE run_id = ? GROUP BY change",
            arguments: [runId])
        {
            switch row["change"] as String {
            case "added": summary.added = row["n"]
            case "removed": summary.removed = row["n"]
            default: summary.revised = row["n"]; summary.indicatorsRevised = row["k"]
            }
        }
        // The largest revision of one number to another; from zero counts as the largest.
        if let l = try Row.fetchOne(
            db,
            sql: """
                SELECT c.indicator, c.region, c.year, c.breakdown, c.old_value, c.new_value, c.relative_change, ifnull(i.decimals, 6) AS decimals
                FROM etl_change c LEFT JOIN dim_indicator i ON i.code = c.indicator
                WHERE c.run_id = ? AND c.change = 'revised' AND c.old_value IS NOT NULL AND c.new_value IS NOT NULL AND c.old_value <> c.new_value
                ORDER BY c.relative_change IS NOT NULL, abs(c.relative_change) DESC, c.indicator, c.region, c.year LIMIT 1
                """, arguments: [runId])
        {
            summary.largest = RevisionSummary.Largest(
                indicator: l["indicator"], region: l["region"], year: l["year"], breakdown: l["breakdown"],
                oldValue: l["old_value"], newValue: l["new_value"], relativeChange: l["relative_change"], decimals: l["decimals"])
        }
        var facts = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT \(factKey), \(factColumns) FROM etl_vintage_new ORDER BY \(factKey)")
        while let r = try rows.next() {
            hashRow(hashBytes(r))
            facts += 1
        }
        summary.hash = hashFinish()
        try db.execute(sql: "DELETE FROM etl_vintage_new; DELETE FROM etl_vintage_previous")
        try db.execute(
            sql: """
                INSERT INTO etl_vintage(run_id, published_at, structure_year, previous_run_id, facts, added, removed, revised, hash, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                runId, Warehouse.now(), structureYear, summary.previousRunId, facts, summary.added, summary.removed, summary.revised,
                summary.hash, summary.line
            ])
        return summary
    }

    /// A fact's codes and values as bytes for the content hash: texts as UTF-8, numbers by
    /// their bit patterns, fields and rows separated, NULL distinct from every value.
    static func hashBytes(_ r: Row) -> Data {
        var d = Data()
        for i in 0..<r.count {
            switch r[i] as DatabaseValue {
            case let v where v.isNull: d.append(0)
            case let v:
                switch v.storage {
                case .int64(let n): d.append(1); withUnsafeBytes(of: n.littleEndian) { d.append(contentsOf: $0) }
                case .double(let x): d.append(2); withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) }
                case .string(let s): d.append(3); d.append(contentsOf: Array(s.utf8)); d.append(0x1f)
                case .blob(let b): d.append(4); d.append(b)
                case .null: d.append(0)
                }
            }
        }
        d.append(0x1e)
        return d
    }

    // MARK: States

    /// The publication in force at `spec`: a run id (the last publication at or before that
    /// run) or a date `YYYY-MM-DD` (the last published by the end of that day, UTC) or an ISO
    /// 8601 time. nil when nothing had been published then.
    public static func resolve(_ db: Database, asOf spec: String) throws -> Int64? {
        if let run = Int64(spec) {
            return try Int64.fetchOne(db, sql: "SELECT max(run_id) FROM etl_vintage WHERE run_id <= ?", arguments: [run])
        }
        let bound: String
        if spec.count == 10, spec.split(separator: "-").count == 3 { bound = spec + "T23:59:59.999Z" } else { bound = spec }
        return try Int64.fetchOne(db, sql: "SELECT max(run_id) FROM etl_vintage WHERE published_at <= ?", arguments: [bound])
    }

    /// Whether `spec` is a run id or a date/time `resolve` understands.
    public static func isValidSpec(_ spec: String) -> Bool {
        if Int64(spec) != nil { return true }
        let parts = spec.prefix(10).split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts.allSatisfy { Int($0) != nil }
            && (spec.count == 10 || spec.dropFirst(10).first == "T")
    }

    /// The published facts of publication `runId`, with the columns of `v_indicator` (names
    /// from the current dimensions), as SQL for a view.
    public static func stateSQL(runId: Int64) -> String {
        """
        SELECT h.indicator AS indicator, i.name AS indicator_name, h.region AS region, r.name AS region_name, r.level AS region_level,
               h.year AS year, h.breakdown AS breakdown, h.value AS value, i.unit AS unit, h.status AS status, h.method AS method,
               h.structure_year AS structure_year, h.numerator AS numerator, h.denominator AS denominator, h.weight AS weight,
               h.note AS note, ifnull(i.decimals, 6) AS decimals, h.from_run_id AS run_id
        FROM main.v_indicator_history h
        LEFT JOIN main.dim_indicator i ON i.code = h.indicator
        LEFT JOIN main.dim_region r ON r.code = h.region AND ifnull(r.valid_from, 0) = h.region_from
        WHERE h.from_run_id <= \(runId) AND (h.to_run_id IS NULL OR h.to_run_id > \(runId))
        """
    }

    /// Makes `v_indicator` on this connection answer from publication `runId`: a temporary
    /// view of that name hides the warehouse's own (the connection may be read-only).
    public static func showState(_ db: Database, runId: Int64) throws {
        try db.execute(sql: "DROP VIEW IF EXISTS temp.v_indicator; CREATE TEMP VIEW v_indicator AS \(stateSQL(runId: runId))")
    }

    /// The facts that differ between publications `a` and `b` (added in b, removed, revised),
    /// with the sources of each indicator, in a stable order.
    public static func diffSQL(from a: Int64, to b: Int64) -> String {
        let key =
            "x.indicator = y.indicator AND x.region = y.region AND x.region_from = y.region_from AND x.year = y.year AND x.breakdown = y.breakdown AND x.structure_year = y.structure_year"
        func state(_ r: Int64) -> String {
            "(SELECT * FROM main.v_indicator_history WHERE from_run_id <= \(r) AND (to_run_id IS NULL OR to_run_id > \(r)))"
        }
        return """
            WITH a AS \(state(a)), b AS \(state(b)),
            d AS (
                SELECT y.indicator, y.region, y.year, y.breakdown, y.structure_year, 'added' AS change, NULL AS old_value, y.value AS new_value,
                       NULL AS relative_change, NULL AS old_status, y.status AS new_status
                FROM b y WHERE NOT EXISTS (SELECT 1 FROM a x WHERE \(key))
                UNION ALL
                SELECT x.indicator, x.region, x.year, x.breakdown, x.structure_year, 'removed', x.value, NULL, NULL, x.status, NULL
                FROM a x WHERE NOT EXISTS (SELECT 1 FROM b y WHERE \(key))
                UNION ALL
                SELECT y.indicator, y.region, y.year, y.breakdown, y.structure_year, 'revised', x.value, y.value,
                       CASE WHEN x.value <> 0 THEN (y.value - x.value) / abs(x.value) END, x.status, y.status
                FROM b y JOIN a x ON \(key) WHERE x.value IS NOT y.value OR x.status IS NOT y.status
            )
            SELECT d.indicator, s.sources,
                   d.region, d.year, d.breakdown, d.structure_year, d.change, d.old_value, d.new_value, d.relative_change, d.old_status, d.new_status
            FROM d LEFT JOIN main.etl_indicator_source s ON s.indicator = d.indicator
            ORDER BY d.indicator, d.region, d.year, d.breakdown, d.structure_year, d.change
            """
    }
}
