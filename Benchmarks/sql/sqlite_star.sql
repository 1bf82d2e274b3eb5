-- Baseline (a): the sqlite3 shell's .import of the generated SSB long CSV, then SQL that builds
-- the same star schema as the warehouse's staging layer: integer-keyed region, period and
-- measure dimensions and one fact row per cell (value, or NULL with SSB's symbol as status).
-- Run by Benchmarks/run.sh as `sqlite3 DB < this file`, with @CSV@ replaced by the CSV's path.
-- The warehouse's journal pragmas (Sources/Warehouse/Warehouse.swift), with a 64 MiB page cache
-- (the warehouse uses 8 MiB). The fact table is keyed like the staging table: region, period, measure.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -65536;

-- 1. Load the file as text. The header row is skipped; ISO-8859-1 bytes are stored as they are
--    (the shell cannot transcode).
CREATE TABLE raw(region TEXT, aar TEXT, variabel TEXT, verdi TEXT);
.mode csv
.separator ;
.import --skip 1 @CSV@ raw
.mode list

-- 2. The star schema, in one transaction.
BEGIN;
CREATE TABLE dim_region (
    region_key INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    label TEXT NOT NULL UNIQUE
);
INSERT INTO dim_region(code, label)
SELECT substr(region, 1, instr(region, ' ') - 1), region FROM raw GROUP BY region ORDER BY region;

CREATE TABLE dim_period (
    period_key INTEGER PRIMARY KEY,
    year INTEGER NOT NULL UNIQUE
);
INSERT INTO dim_period(period_key, year)
SELECT DISTINCT CAST(aar AS INTEGER), CAST(aar AS INTEGER) FROM raw;

CREATE TABLE dim_measure (
    measure_key INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE
);
INSERT INTO dim_measure(label) SELECT variabel FROM raw GROUP BY variabel ORDER BY variabel;

CREATE TABLE fact_observation (
    measure_key INTEGER NOT NULL REFERENCES dim_measure(measure_key),
    region_key INTEGER NOT NULL REFERENCES dim_region(region_key),
    period_key INTEGER NOT NULL REFERENCES dim_period(period_key),
    value REAL,
    status TEXT,
    PRIMARY KEY (region_key, period_key, measure_key),
    CHECK (value IS NOT NULL OR status IS NOT NULL)
) WITHOUT ROWID;
INSERT INTO fact_observation(measure_key, region_key, period_key, value, status)
SELECT m.measure_key, r.region_key, CAST(raw.aar AS INTEGER),
       CASE WHEN raw.verdi = '-' THEN 0.0
            WHEN raw.verdi GLOB '[0-9]*' OR raw.verdi GLOB '-[0-9]*' THEN CAST(replace(raw.verdi, ',', '.') AS REAL) END,
       CASE WHEN raw.verdi GLOB '[0-9]*' OR raw.verdi GLOB '-[0-9]*' THEN NULL ELSE raw.verdi END
FROM raw
JOIN dim_region r ON r.label = raw.region
JOIN dim_measure m ON m.label = raw.variabel;

DROP TABLE raw;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SELECT 'fact rows', count(*) FROM fact_observation;
