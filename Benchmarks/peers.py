"""The peers of the benchmark (Benchmarks/README.md): the tools a user would pick to turn the
generated SSB CSV into a star schema, each building the same tables as baseline (a),
Benchmarks/sql/sqlite_star.sql:

    dim_region(region_key, code, label), dim_period(period_key, year), dim_measure(measure_key, label),
    fact_observation(measure_key, region_key, period_key, value, status)   -- value, or NULL and SSB's symbol

Run by Benchmarks/run.sh as `python peers.py PEER CSV OUTPUT [EXTENSION-DIR]`, where PEER is

    polars         Polars read_csv + the star schema in Polars, bulk ingest into SQLite through ADBC
    duckdb-sqlite  DuckDB read_csv + the star schema in SQL, written into a SQLite file through
                   DuckDB's sqlite extension (loaded from EXTENSION-DIR, never downloaded)
    duckdb         DuckDB read_csv + the star schema in SQL, into DuckDB's own file, no primary key
    check-sqlite   print the check line of a SQLite file (any of the above, or baseline (a))
    check-duckdb   print the check line of a DuckDB file

The CSV is the UTF-8 copy of bench.csv (Polars reads UTF-8 only). The check commands print
`check ROWS VALUES SUM`: fact rows, rows with a value, and the sum of the values in thousandths
as an integer (exact, so it does not depend on the order of summation); run.sh runs them after
the timed command and compares them with etl's staging table.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# The SQLite tables, as baseline (a) declares them (its pragmas are its own; the peers keep their
# tools' defaults). The fact table is keyed like etl's staging: region, period, measure.
SQLITE_DDL = """
CREATE TABLE dim_region (region_key INTEGER PRIMARY KEY, code TEXT NOT NULL, label TEXT NOT NULL UNIQUE);
CREATE TABLE dim_period (period_key INTEGER PRIMARY KEY, year INTEGER NOT NULL UNIQUE);
CREATE TABLE dim_measure (measure_key INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE fact_observation (
    measure_key INTEGER NOT NULL REFERENCES dim_measure(measure_key),
    region_key INTEGER NOT NULL REFERENCES dim_region(region_key),
    period_key INTEGER NOT NULL REFERENCES dim_period(period_key),
    value REAL,
    status TEXT,
    PRIMARY KEY (region_key, period_key, measure_key),
    CHECK (value IS NOT NULL OR status IS NOT NULL)
) WITHOUT ROWID;
"""

CHECK_SQL = ("SELECT count(*), count(value), coalesce(sum(CAST(round(value * 1000) AS BIGINT)), 0) "
             "FROM fact_observation")


def create_sqlite(path):
    import sqlite3
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con = sqlite3.connect(path)
    con.executescript(SQLITE_DDL)
    con.commit()
    con.close()


def check_sqlite(path):
    import sqlite3
    con = sqlite3.connect(path)
    rows, values, total = con.execute(CHECK_SQL).fetchone()
    con.close()
    return rows, values, total


def peer_polars(csv, out):
    import polars as pl
    create_sqlite(out)
    raw = pl.read_csv(csv, separator=";", quote_char='"', has_header=True,
                      new_columns=["region", "aar", "variabel", "verdi"],
                      schema_overrides={"region": pl.String, "aar": pl.Int64, "variabel": pl.String, "verdi": pl.String})
    regions = (raw.select("region").unique().sort("region")
               .with_row_index("region_key", offset=1)
               .with_columns(pl.col("region_key").cast(pl.Int64),
                             pl.col("region").str.split(" ").list.first().alias("code")))
    measures = (raw.select("variabel").unique().sort("variabel")
                .with_row_index("measure_key", offset=1).with_columns(pl.col("measure_key").cast(pl.Int64)))
    periods = raw.select(pl.col("aar").unique().sort().alias("period_key")).with_columns(pl.col("period_key").alias("year"))
    number = pl.col("verdi").str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    facts = (raw.join(regions, on="region").join(measures, on="variabel")
             .select(pl.col("measure_key"), pl.col("region_key"), pl.col("aar").alias("period_key"),
                     pl.when(pl.col("verdi") == "-").then(pl.lit(0.0)).otherwise(number).alias("value"),
                     pl.when(number.is_null()).then(pl.col("verdi")).otherwise(None).alias("status"))
             .sort("region_key", "period_key", "measure_key"))
    del raw
    uri = "sqlite:///" + out
    regions.select("region_key", "code", pl.col("region").alias("label")).write_database(
        "dim_region", uri, engine="adbc", if_table_exists="append")
    periods.write_database("dim_period", uri, engine="adbc", if_table_exists="append")
    measures.select("measure_key", pl.col("variabel").alias("label")).write_database(
        "dim_measure", uri, engine="adbc", if_table_exists="append")
    facts.write_database("fact_observation", uri, engine="adbc", if_table_exists="append")


def duckdb_sql(name, csv):
    text = open(os.path.join(HERE, "sql", name), encoding="utf-8").read()
    return text.replace("@CSV@", "'" + csv.replace("'", "''") + "'")


def peer_duckdb_sqlite(csv, out, extension_dir):
    import duckdb
    create_sqlite(out)
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET extension_directory = ?", [extension_dir])
    con.execute("LOAD sqlite")
    con.execute("ATTACH '%s' AS wh (TYPE sqlite)" % out.replace("'", "''"))
    con.execute(duckdb_sql("duckdb_sqlite_star.sql", csv))
    con.close()


def peer_duckdb(csv, out):
    import duckdb
    for suffix in ("", ".wal"):
        if os.path.exists(out + suffix):
            os.remove(out + suffix)
    con = duckdb.connect(out)
    con.execute(duckdb_sql("duckdb_star.sql", csv))
    con.close()


def check_duckdb(path):
    import duckdb
    con = duckdb.connect(path, read_only=True)
    rows, values, total = con.execute(CHECK_SQL).fetchone()
    con.close()
    return rows, values, total


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    peer, args = argv[1], argv[2:]
    if peer == "polars":
        peer_polars(*args[:2])
    elif peer == "duckdb-sqlite":
        peer_duckdb_sqlite(*args[:3])
    elif peer == "duckdb":
        peer_duckdb(*args[:2])
    elif peer in ("check-sqlite", "check-duckdb"):
        result = (check_sqlite if peer == "check-sqlite" else check_duckdb)(args[0])
        print("check %d %d %d" % tuple(int(x) for x in result))
    else:
        sys.exit("peers.py: unknown peer %s" % peer)


if __name__ == "__main__":
    main(sys.argv)
