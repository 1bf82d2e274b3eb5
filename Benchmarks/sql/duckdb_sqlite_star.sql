-- Peer duckdb-sqlite: DuckDB's read_csv of the generated SSB long CSV (its UTF-8 copy), then the
-- same star schema as Benchmarks/sql/sqlite_star.sql, written into a SQLite file through DuckDB's
-- sqlite extension. Benchmarks/peers.py creates the SQLite tables (as baseline (a) declares
-- them), loads the extension from the duckdb-ext-sqlite package's folder, attaches the file as
-- `wh` and runs this with @CSV@ replaced by the CSV's path.

-- 1. Load the file into DuckDB's memory; the value column stays text (SSB's symbols . .. : -
--    as well as decimal-comma numbers).
CREATE TEMP TABLE raw AS
SELECT * FROM read_csv(@CSV@, delim = ';', quote = '"', header = true,
                       columns = {'region': 'VARCHAR', 'aar': 'INTEGER', 'variabel': 'VARCHAR', 'verdi': 'VARCHAR'});

CREATE TEMP TABLE region AS
SELECT row_number() OVER (ORDER BY region) AS region_key, split_part(region, ' ', 1) AS code, region AS label
FROM (SELECT DISTINCT region FROM raw);
CREATE TEMP TABLE measure AS
SELECT row_number() OVER (ORDER BY variabel) AS measure_key, variabel AS label FROM (SELECT DISTINCT variabel FROM raw);

-- 2. The star schema into the SQLite file, in one transaction, facts in key order.
BEGIN TRANSACTION;
INSERT INTO wh.dim_region SELECT region_key, code, label FROM region;
INSERT INTO wh.dim_period SELECT DISTINCT aar, aar FROM raw;
INSERT INTO wh.dim_measure SELECT measure_key, label FROM measure;
INSERT INTO wh.fact_observation
SELECT m.measure_key, r.region_key, raw.aar,
       CASE WHEN raw.verdi = '-' THEN 0.0 ELSE TRY_CAST(replace(raw.verdi, ',', '.') AS DOUBLE) END,
       CASE WHEN TRY_CAST(replace(raw.verdi, ',', '.') AS DOUBLE) IS NULL THEN raw.verdi END
FROM raw
JOIN region r ON r.label = raw.region
JOIN measure m ON m.label = raw.variabel
ORDER BY r.region_key, raw.aar, m.measure_key;
COMMIT;
