-- Peer duckdb: DuckDB's read_csv of the generated SSB long CSV (its UTF-8 copy), then the same
-- star schema as Benchmarks/sql/sqlite_star.sql, into DuckDB's own file. The fact table
-- declares no primary key and no foreign keys, as DuckDB users write it: DuckDB enforces both
-- (an index, a lookup per row; the foreign keys alone made it 4 times slower at 1 M rows),
-- where SQLite enforces no foreign key unless asked. The dimensions keep their keys, they are
-- small. Run by Benchmarks/peers.py with @CSV@ replaced by the CSV's path.

-- 1. Load the file (semicolon, header row); the value column stays text because it holds SSB's
--    symbols (. .. : -) as well as decimal-comma numbers.
CREATE TEMP TABLE raw AS
SELECT * FROM read_csv(@CSV@, delim = ';', quote = '"', header = true,
                       columns = {'region': 'VARCHAR', 'aar': 'INTEGER', 'variabel': 'VARCHAR', 'verdi': 'VARCHAR'});

-- 2. The star schema, in one transaction.
BEGIN TRANSACTION;
CREATE TABLE dim_region (
    region_key INTEGER PRIMARY KEY,
    code VARCHAR NOT NULL,
    label VARCHAR NOT NULL UNIQUE
);
INSERT INTO dim_region
SELECT row_number() OVER (ORDER BY region), split_part(region, ' ', 1), region
FROM (SELECT DISTINCT region FROM raw);

CREATE TABLE dim_period (
    period_key INTEGER PRIMARY KEY,
    year INTEGER NOT NULL UNIQUE
);
INSERT INTO dim_period SELECT DISTINCT aar, aar FROM raw;

CREATE TABLE dim_measure (
    measure_key INTEGER PRIMARY KEY,
    label VARCHAR NOT NULL UNIQUE
);
INSERT INTO dim_measure
SELECT row_number() OVER (ORDER BY variabel), variabel FROM (SELECT DISTINCT variabel FROM raw);

CREATE TABLE fact_observation (
    measure_key INTEGER NOT NULL,
    region_key INTEGER NOT NULL,
    period_key INTEGER NOT NULL,
    value DOUBLE,
    status VARCHAR,
    CHECK (value IS NOT NULL OR status IS NOT NULL)
);
INSERT INTO fact_observation
SELECT m.measure_key, r.region_key, raw.aar,
       CASE WHEN raw.verdi = '-' THEN 0.0 ELSE TRY_CAST(replace(raw.verdi, ',', '.') AS DOUBLE) END,
       CASE WHEN TRY_CAST(replace(raw.verdi, ',', '.') AS DOUBLE) IS NULL THEN raw.verdi END
FROM raw
JOIN dim_region r ON r.label = raw.region
JOIN dim_measure m ON m.label = raw.variabel;

DROP TABLE raw;
COMMIT;
CHECKPOINT;
