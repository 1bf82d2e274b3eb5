import GRDB

/// The warehouse schema as versioned migrations. A migration that has shipped is never
/// edited: change the schema by adding a new one at the end.
public enum Schema {
    public static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1_star_schema") { db in
            try db.execute(sql: v1)
        }
        m.registerMigration("v2_staging_in_file_order") { db in
            try db.execute(sql: v2)
        }
        m.registerMigration("v3_interrupted_runs") { db in
            try db.execute(sql: v3)
        }
        m.registerMigration("v4_region_members") { db in
            try db.execute(sql: v4)
        }
        m.registerMigration("v5_source_notes") { db in
            try db.execute(sql: v5)
        }
        m.registerMigration("v6_vintages") { db in
            try db.execute(sql: Vintages.v6)
        }
        m.registerMigration("v8_warning_fields") { db in
            try db.execute(sql: v8)
        }
        return m
    }

    /// The newest migration's identifier, recorded in `etl_meta` for readers that do not use GRDB.
    public static let version = "v8_warning_fields"

    /// What a warning is about (docs/ARCHITECTURE.md, `Diagnostic`): its kind, and the
    /// indicator, measure, region and year where it is about one.
    static let v8 = """
        ALTER TABLE etl_warning ADD COLUMN code TEXT NOT NULL DEFAULT 'warning';
        ALTER TABLE etl_warning ADD COLUMN indicator TEXT;
        ALTER TABLE etl_warning ADD COLUMN measure TEXT;
        ALTER TABLE etl_warning ADD COLUMN region TEXT;
        ALTER TABLE etl_warning ADD COLUMN year INTEGER;
        CREATE INDEX etl_warning_run ON etl_warning(run_id, code);
        """

    /// The members of a stable unit (docs/PIPELINE.md, "Stable units"): a region of `dim_region`
    /// made of several kommune codes; and per source the cells of special codes (Svalbard,
    /// `9999`, `0716u`) staged and set aside.
    static let v4 = """
        ALTER TABLE dim_source ADD COLUMN special INTEGER NOT NULL DEFAULT 0 CHECK (special >= 0);

        CREATE TABLE dim_region_member (
            unit_code TEXT NOT NULL,
            member_code TEXT NOT NULL,
            PRIMARY KEY (unit_code, member_code)
        ) WITHOUT ROWID;
        """

    /// The footnotes of a source (JSON-stat `note`, PX `NOTE`, a matrix CSV's footer) and of
    /// its categories, so a user sees them next to the values.
    static let v5 = """
        ALTER TABLE dim_source ADD COLUMN notes TEXT;
        ALTER TABLE stg_label ADD COLUMN note TEXT;
        DROP VIEW v_source;
        CREATE VIEW v_source AS
        SELECT source_id, path, format, title, table_id, content_hash, updated, origin, loaded_at, observations, rejected, out_of_validity, notes
        FROM dim_source;
        """

    static let v1 = """
        CREATE TABLE etl_run (
            run_id INTEGER PRIMARY KEY,
            pipeline TEXT NOT NULL,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'success', 'failed', 'rejects_over_limit')),
            structure_year INTEGER,
            sources_read INTEGER NOT NULL DEFAULT 0,
            sources_reused INTEGER NOT NULL DEFAULT 0,
            observations_staged INTEGER NOT NULL DEFAULT 0,
            rows_rejected INTEGER NOT NULL DEFAULT 0,
            facts_written INTEGER NOT NULL DEFAULT 0,
            warnings INTEGER NOT NULL DEFAULT 0,
            fingerprint TEXT,
            message TEXT
        );

        CREATE TABLE etl_warning (
            run_id INTEGER NOT NULL REFERENCES etl_run(run_id),
            message TEXT NOT NULL
        );

        CREATE TABLE dim_source (
            source_key INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            title TEXT,
            table_id TEXT,
            content_hash TEXT NOT NULL,
            updated TEXT,
            dialect TEXT,
            origin TEXT,
            loaded_at TEXT NOT NULL,
            loaded_run_id INTEGER NOT NULL REFERENCES etl_run(run_id),
            observations INTEGER NOT NULL CHECK (observations >= 0),
            rejected INTEGER NOT NULL CHECK (rejected >= 0),
            out_of_validity INTEGER NOT NULL DEFAULT 0 CHECK (out_of_validity >= 0)
        );

        CREATE TABLE etl_reject (
            reject_id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES etl_run(run_id),
            source_id TEXT NOT NULL,
            location TEXT NOT NULL,
            error TEXT NOT NULL,
            raw TEXT
        );

        CREATE TABLE stg_measure (
            measure_key INTEGER PRIMARY KEY,
            source_key INTEGER NOT NULL REFERENCES dim_source(source_key) ON DELETE CASCADE,
            code TEXT NOT NULL,
            UNIQUE (source_key, code)
        );

        CREATE TABLE stg_observation (
            source_key INTEGER NOT NULL REFERENCES dim_source(source_key) ON DELETE CASCADE,
            measure_key INTEGER NOT NULL REFERENCES stg_measure(measure_key) ON DELETE CASCADE,
            region TEXT NOT NULL,
            period TEXT NOT NULL,
            breakdown TEXT NOT NULL DEFAULT '',
            value REAL,
            status TEXT,
            in_validity INTEGER NOT NULL CHECK (in_validity IN (0, 1)),
            line INTEGER,
            col INTEGER,
            path TEXT,
            PRIMARY KEY (source_key, measure_key, region, period, breakdown),
            CHECK (value IS NOT NULL OR status IS NOT NULL)
        ) WITHOUT ROWID;

        CREATE TABLE stg_label (
            source_key INTEGER NOT NULL REFERENCES dim_source(source_key) ON DELETE CASCADE,
            dimension TEXT NOT NULL,
            role TEXT NOT NULL,
            code TEXT NOT NULL,
            label TEXT NOT NULL,
            valid_from INTEGER,
            valid_to INTEGER,
            PRIMARY KEY (source_key, dimension, code)
        ) WITHOUT ROWID;

        CREATE TABLE dim_region (
            region_key INTEGER PRIMARY KEY,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('kommune', 'fylke', 'land', 'kostragruppe', 'annet')),
            valid_from INTEGER,
            valid_to INTEGER,
            CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to)
        );
        CREATE UNIQUE INDEX dim_region_code_period ON dim_region(code, ifnull(valid_from, 0));

        CREATE TABLE dim_period (
            period_key INTEGER PRIMARY KEY,
            year INTEGER NOT NULL UNIQUE CHECK (year BETWEEN 1800 AND 2200),
            label TEXT NOT NULL
        );

        CREATE TABLE dim_indicator (
            indicator_key INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            name_en TEXT,
            unit TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('count', 'ratio', 'rate', 'difference')),
            numerator TEXT,
            denominator TEXT,
            measure TEXT,
            weight TEXT,
            minus TEXT,
            scale REAL NOT NULL,
            decimals INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 10),
            population TEXT,
            source_tables TEXT,
            definition TEXT NOT NULL
        );

        CREATE TABLE dim_breakdown (
            breakdown_key INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('total', 'age', 'sex', 'service', 'other')),
            label TEXT NOT NULL
        );

        CREATE TABLE fact_indicator (
            fact_id INTEGER PRIMARY KEY,
            indicator_key INTEGER NOT NULL REFERENCES dim_indicator(indicator_key),
            region_key INTEGER NOT NULL REFERENCES dim_region(region_key),
            period_key INTEGER NOT NULL REFERENCES dim_period(period_key),
            breakdown_key INTEGER NOT NULL REFERENCES dim_breakdown(breakdown_key),
            structure_year INTEGER NOT NULL,
            value REAL,
            numerator REAL,
            denominator REAL,
            weight REAL,
            status TEXT,
            method TEXT NOT NULL CHECK (method IN ('as_published', 'renumbered', 'merged', 'split_allocated', 'not_computable')),
            note TEXT,
            run_id INTEGER NOT NULL REFERENCES etl_run(run_id),
            UNIQUE (indicator_key, region_key, period_key, breakdown_key, structure_year),
            CHECK (method <> 'not_computable' OR value IS NULL)
        );

        CREATE TABLE fact_lineage (
            fact_id INTEGER NOT NULL REFERENCES fact_indicator(fact_id) ON DELETE CASCADE,
            source_region TEXT NOT NULL,
            source_year INTEGER NOT NULL,
            share REAL,
            PRIMARY KEY (fact_id, source_region, source_year)
        ) WITHOUT ROWID;

        CREATE TABLE dim_group (
            group_key INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('national', 'county', 'kostragruppe', 'adhoc'))
        );

        CREATE TABLE dim_group_member (
            group_key INTEGER NOT NULL REFERENCES dim_group(group_key) ON DELETE CASCADE,
            year INTEGER NOT NULL,
            region_code TEXT NOT NULL,
            PRIMARY KEY (group_key, year, region_code)
        ) WITHOUT ROWID;

        CREATE TABLE fact_group_indicator (
            group_key INTEGER NOT NULL REFERENCES dim_group(group_key),
            indicator_key INTEGER NOT NULL REFERENCES dim_indicator(indicator_key),
            period_key INTEGER NOT NULL REFERENCES dim_period(period_key),
            breakdown_key INTEGER NOT NULL REFERENCES dim_breakdown(breakdown_key),
            structure_year INTEGER NOT NULL,
            mean REAL,
            weighted REAL,
            median REAL,
            min REAL,
            max REAL,
            n_with_value INTEGER NOT NULL CHECK (n_with_value >= 0),
            n_members INTEGER NOT NULL CHECK (n_members >= n_with_value),
            run_id INTEGER NOT NULL REFERENCES etl_run(run_id),
            PRIMARY KEY (group_key, indicator_key, period_key, breakdown_key, structure_year)
        );

        CREATE TABLE etl_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        CREATE VIEW v_indicator AS
        SELECT i.code AS indicator, i.name AS indicator_name, r.code AS region, r.name AS region_name, r.level AS region_level,
               p.year AS year, b.code AS breakdown, f.value AS value, i.unit AS unit, f.status AS status, f.method AS method,
               f.structure_year AS structure_year, f.numerator AS numerator, f.denominator AS denominator, f.weight AS weight,
               f.note AS note, i.decimals AS decimals
        FROM fact_indicator f
        JOIN dim_indicator i USING (indicator_key)
        JOIN dim_region r USING (region_key)
        JOIN dim_period p USING (period_key)
        JOIN dim_breakdown b USING (breakdown_key);

        CREATE VIEW v_indicator_by_age AS
        SELECT v.* , b.label AS age_band FROM v_indicator v JOIN dim_breakdown b ON b.code = v.breakdown WHERE b.kind = 'age';
        CREATE VIEW v_indicator_by_sex AS
        SELECT v.* , b.label AS sex FROM v_indicator v JOIN dim_breakdown b ON b.code = v.breakdown WHERE b.kind = 'sex';
        CREATE VIEW v_indicator_by_service AS
        SELECT v.* , b.label AS service FROM v_indicator v JOIN dim_breakdown b ON b.code = v.breakdown WHERE b.kind = 'service';

        CREATE VIEW v_group_indicator AS
        SELECT g.code AS group_code, g.name AS group_name, g.kind AS group_kind, i.code AS indicator, i.name AS indicator_name,
               p.year AS year, b.code AS breakdown, f.mean AS mean, f.weighted AS weighted, f.median AS median, f.min AS min, f.max AS max,
               f.n_with_value AS n_with_value, f.n_members AS n_members, i.unit AS unit, i.decimals AS decimals, f.structure_year AS structure_year
        FROM fact_group_indicator f
        JOIN dim_group g USING (group_key)
        JOIN dim_indicator i USING (indicator_key)
        JOIN dim_period p USING (period_key)
        JOIN dim_breakdown b USING (breakdown_key);

        CREATE VIEW v_lineage AS
        SELECT i.code AS indicator, r.code AS region, p.year AS year, b.code AS breakdown, f.method AS method,
               l.source_region AS source_region, l.source_year AS source_year, l.share AS share
        FROM fact_lineage l
        JOIN fact_indicator f USING (fact_id)
        JOIN dim_indicator i USING (indicator_key)
        JOIN dim_region r USING (region_key)
        JOIN dim_period p USING (period_key)
        JOIN dim_breakdown b USING (breakdown_key);

        CREATE VIEW v_staged AS
        SELECT s.source_id AS source, m.code AS measure, o.region, o.period, o.breakdown, o.value, o.status, o.in_validity,
               s.path || ifnull(':' || o.line, '') || ifnull(':' || o.col, '') || ifnull(' ' || o.path, '') AS location
        FROM stg_observation o JOIN dim_source s USING (source_key) JOIN stg_measure m USING (measure_key);

        CREATE VIEW v_source AS
        SELECT source_id, path, format, title, table_id, content_hash, updated, origin, loaded_at, observations, rejected, out_of_validity
        FROM dim_source;
        """

    /// Staged rows keyed in the order SSB publishes them (region outermost, then period, then
    /// measure), so a load appends to the end of the table instead of splitting pages at one
    /// insertion point per measure; and without declared foreign keys, whose two parent
    /// lookups per row cost a quarter of the load. A trigger keeps the cascade: deleting a
    /// source deletes its staged rows. Readers scan a source once in key order.
    static let v2 = """
        DROP VIEW v_staged;
        CREATE TABLE stg_observation_v2 (
            source_key INTEGER NOT NULL,
            region TEXT NOT NULL,
            period TEXT NOT NULL,
            measure_key INTEGER NOT NULL,
            breakdown TEXT NOT NULL DEFAULT '',
            value REAL,
            status TEXT,
            in_validity INTEGER NOT NULL CHECK (in_validity IN (0, 1)),
            line INTEGER,
            col INTEGER,
            path TEXT,
            PRIMARY KEY (source_key, region, period, measure_key, breakdown),
            CHECK (value IS NOT NULL OR status IS NOT NULL)
        ) WITHOUT ROWID;
        INSERT INTO stg_observation_v2(source_key, region, period, measure_key, breakdown, value, status, in_validity, line, col, path)
        SELECT source_key, region, period, measure_key, breakdown, value, status, in_validity, line, col, path FROM stg_observation;
        DROP TABLE stg_observation;
        ALTER TABLE stg_observation_v2 RENAME TO stg_observation;

        CREATE TRIGGER stg_source_deleted AFTER DELETE ON dim_source BEGIN
            DELETE FROM stg_observation WHERE source_key = old.source_key;
        END;

        CREATE VIEW v_staged AS
        SELECT s.source_id AS source, m.code AS measure, o.region, o.period, o.breakdown, o.value, o.status, o.in_validity,
               s.path || ifnull(':' || o.line, '') || ifnull(':' || o.col, '') || ifnull(' ' || o.path, '') AS location
        FROM stg_observation o JOIN dim_source s USING (source_key) JOIN stg_measure m USING (measure_key);
        """

    /// A run ended by SIGINT or SIGTERM is recorded as `interrupted` (README, "Safety for
    /// nightly runs"). SQLite cannot change a CHECK constraint in place, so `etl_run` is
    /// rebuilt; the migrator turns foreign keys off while it runs and checks them afterwards.
    static let v3 = """
        CREATE TABLE etl_run_v3 (
            run_id INTEGER PRIMARY KEY,
            pipeline TEXT NOT NULL,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'success', 'failed', 'rejects_over_limit', 'interrupted')),
            structure_year INTEGER,
            sources_read INTEGER NOT NULL DEFAULT 0,
            sources_reused INTEGER NOT NULL DEFAULT 0,
            observations_staged INTEGER NOT NULL DEFAULT 0,
            rows_rejected INTEGER NOT NULL DEFAULT 0,
            facts_written INTEGER NOT NULL DEFAULT 0,
            warnings INTEGER NOT NULL DEFAULT 0,
            fingerprint TEXT,
            message TEXT
        );
        INSERT INTO etl_run_v3 SELECT run_id, pipeline, command, started_at, finished_at, status, structure_year, sources_read, sources_reused,
            observations_staged, rows_rejected, facts_written, warnings, fingerprint, message FROM etl_run;
        DROP TABLE etl_run;
        ALTER TABLE etl_run_v3 RENAME TO etl_run;
        """
}
