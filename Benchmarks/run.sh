#!/usr/bin/env bash
# The national-scale benchmark (issue 10). One command, from the repository root or anywhere:
#
#     Benchmarks/run.sh                                  # 5 million observations (the default; ~15 min here)
#     Benchmarks/run.sh --observations 1000000           # a quicker run
#
# Builds etl in release mode, generates the workload (SSB CSV, JSON-stat, SDMX) into a scratch
# directory outside the repository, measures etl and its peers (sqlite3, Polars + ADBC, DuckDB
# into SQLite, DuckDB into its own file) on the same CSV with /usr/bin/time, several rounds in
# shuffled order, and writes Benchmarks/results/latest.json (and latest.md) with the medians and
# ratios, and prints the table. Benchmarks/README.md explains every number.
#
# Options:
#   --observations N          cells per format (default 5000000)
#   --memory-observations N   a second, smaller CSV run to show that peak memory is flat (default 1000000)
#   --rounds R                rounds of the side-by-side measurements, each in a new shuffled order (default 3)
#   --scratch DIR             where the workload and warehouses go (default: a new directory under $TMPDIR or /tmp)
#   --keep                    keep the scratch directory (default: removed at the end)
#   --skip-build              use the existing release build
#   --no-install              do not try to install missing tools (time, sqlite3, the peers' Python packages)
#   --venv DIR                the Python environment of the peers (default ~/.cache/etl-bench/venv)
#   --seed S                  generator seed (default 1)
#   --no-revision             skip the revision measurement (Benchmarks/revision.sh)
#   --no-report               skip Benchmarks/report.sh (etl report at 357 x 20 x 15) at the end
set -euo pipefail

started_epoch=$(date +%s.%N)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
observations=5000000
memory_observations=1000000
scratch=""
keep=0
build=1
install=1
seed=1
revision=1
report=1
rounds=3
venv="${XDG_CACHE_HOME:-$HOME/.cache}/etl-bench/venv"

while [ $# -gt 0 ]; do
    case "$1" in
        --observations) observations="$2"; shift 2 ;;
        --memory-observations) memory_observations="$2"; shift 2 ;;
        --scratch) scratch="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --skip-build) build=0; shift ;;
        --no-install) install=0; shift ;;
        --seed) seed="$2"; shift 2 ;;
        --no-revision) revision=0; shift ;;
        --no-report) report=0; shift ;;
        --rounds) rounds="$2"; shift 2 ;;
        --venv) venv="$2"; shift 2 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- Tools -------------------------------------------------------------------------------------
apt_updated=0
apt_install() {
    [ "$install" = 1 ] || return 1
    local sudo=""
    if [ "$(id -u)" != 0 ]; then command -v sudo >/dev/null 2>&1 && sudo="sudo -n" || return 1; fi
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null 2>&1; then
        [ "$apt_updated" = 1 ] || { $sudo apt-get update -q >/dev/null 2>&1 || true; apt_updated=1; }
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null 2>&1
    fi
}
if [ ! -x /usr/bin/time ]; then
    say "installing GNU time (apt-get install time)"
    apt_install time || { echo "run.sh: /usr/bin/time is missing and could not be installed (apt-get install time)" >&2; exit 1; }
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
    say "installing the sqlite3 shell (apt-get install sqlite3)"
    apt_install sqlite3 || say "sqlite3 shell not available: baseline (a) will be skipped"
fi
python=""
command -v python3 >/dev/null 2>&1 && python=python3
if [ -z "$python" ]; then
    say "installing python3 (apt-get install python3)"
    apt_install python3 python3-pip && python=python3 || { echo "run.sh: python3 is needed for the report" >&2; exit 1; }
fi
# The peers run in their own Python environment (a venv outside the repository), installed from
# PyPI when missing: duckdb-ext-sqlite carries DuckDB's sqlite extension for one DuckDB version
# and pins duckdb to it, so pip picks that DuckDB.
peer_packages="polars pyarrow adbc-driver-sqlite duckdb-ext-sqlite"
peer_imports='import polars, pyarrow, adbc_driver_sqlite, duckdb, duckdb_ext'
peer_python="$venv/bin/python"
if ! "$peer_python" -c "$peer_imports" >/dev/null 2>&1 && [ "$install" = 1 ]; then
    say "installing the peers into $venv (pip install $peer_packages)"
    pip_log="${TMPDIR:-/tmp}/etl-bench-pip.log"
    if [ ! -x "$peer_python" ] && ! $python -m venv "$venv" >"$pip_log" 2>&1; then
        apt_install python3-venv && $python -m venv "$venv" >"$pip_log" 2>&1 || say "could not create the venv $venv: $(tail -1 "$pip_log")"
    fi
    if [ -x "$peer_python" ]; then
        "$peer_python" -m pip install --quiet $peer_packages >"$pip_log" 2>&1 || say "pip install failed: $(tail -1 "$pip_log")"
    fi
fi
have_peers=0
if "$peer_python" -c "$peer_imports" >/dev/null 2>&1; then
    have_peers=1
    # The extension is loaded from the package's folder: DuckDB must not download it at run time.
    duckdb_ext_dir=$("$peer_python" -c 'import duckdb_ext, os; print(os.path.join(list(duckdb_ext.__path__)[0], "extensions"))')
else
    say "the peers' Python packages ($peer_packages) are not available: the Polars and DuckDB peers will be skipped"
fi

# --- Build -------------------------------------------------------------------------------------
cd "$repo"
build_seconds=0
if [ "$build" = 1 ]; then
    say "swift build -c release"
    t0=$(date +%s.%N)
    ok=0
    for attempt in 1 2 3; do
        if swift build -c release >"${TMPDIR:-/tmp}/etl-bench-build.log" 2>&1 \
            && swift build -c release --package-path Benchmarks >>"${TMPDIR:-/tmp}/etl-bench-build.log" 2>&1; then ok=1; break; fi
        say "build attempt $attempt failed (tail of the log below); retrying"
        tail -5 "${TMPDIR:-/tmp}/etl-bench-build.log" >&2
        sleep 5
    done
    [ "$ok" = 1 ] || { echo "run.sh: swift build -c release failed; see ${TMPDIR:-/tmp}/etl-bench-build.log" >&2; exit 1; }
    build_seconds=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
fi
bin="$(swift build -c release --show-bin-path 2>/dev/null)/etl"
[ -x "$bin" ] || { echo "run.sh: no release binary at $bin; run without --skip-build" >&2; exit 1; }
# The benchmark's own tools (workload generator, bare-insert baseline): Benchmarks/Package.swift.
bench="$(swift build -c release --package-path Benchmarks --show-bin-path 2>/dev/null)/etl-bench"
[ -x "$bench" ] || { echo "run.sh: no release binary at $bench; run without --skip-build" >&2; exit 1; }

# --- Workload ----------------------------------------------------------------------------------
if [ -z "$scratch" ]; then scratch="$(mktemp -d "${TMPDIR:-/tmp}/etl-bench.XXXXXX")"; else mkdir -p "$scratch"; fi
case "$scratch" in "$repo"|"$repo"/*) echo "run.sh: --scratch must be outside the repository" >&2; exit 2 ;; esac
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$scratch"; else say "kept $scratch"; fi; }
trap cleanup EXIT
work="$scratch/workload"
records="$scratch/records"
mkdir -p "$records"
: >"$records/measurements.tsv"

# measure NAME OBSERVATIONS DESCRIPTION -- COMMAND...: wall time and peak RSS with /usr/bin/time.
# In a round ($round set), the record is NAME.rROUND and the report takes the median.
round=""
measure() {
    local name="$1" obs="$2" desc="$3"; shift 4
    local rec="$name${round:+.r$round}"
    say "$name${round:+ (round $round)}: $desc"
    local rc=0
    /usr/bin/time -f '%e %M' -o "$records/$rec.time" "$@" >"$records/$rec.out" 2>"$records/$rec.err" || rc=$?
    local wall rss
    read -r wall rss < <(tail -n 1 "$records/$rec.time" 2>/dev/null) || { wall="-"; rss="-"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$obs" "$wall" "$rss" "$rc" "$desc" "${round:-0}" >>"$records/measurements.tsv"
    if [ "$rc" != 0 ]; then say "$name exited with status $rc:"; tail -5 "$records/$rec.err" >&2; fi
}
# check NAME LINE: a peer's (or etl's) fact count and value sum, for the report to compare.
check() { printf '%s\t%s\t%s\n' "$1" "${round:-0}" "$2" >>"$records/checks.tsv"; }
: >"$records/checks.tsv"
facts_of() {  # WAREHOUSE: the published facts, count and sum
    sqlite3 "$1" "SELECT count(*) || ' ' || printf('%.6f', total(value)) FROM fact_indicator" 2>/dev/null || echo "n/a"
}
staged_of() {  # WAREHOUSE: the staged cells as the peers' check line (rows, rows with a value, sum in thousandths)
    sqlite3 "$1" "SELECT 'check ' || count(*) || ' ' || count(value) || ' ' || coalesce(sum(CAST(round(value * 1000) AS INTEGER)), 0) FROM stg_observation" 2>/dev/null || echo "n/a"
}

measure generate 0 "etl-bench generate (CSV, JSON-stat, SDMX)" -- \
    "$bench" generate --out "$work" --observations "$observations" --seed "$seed"
n=$($python -c 'import json,sys; print(json.load(open(sys.argv[1]))["observations"])' "$work/workload.json")
cp "$work/workload.json" "$records/workload.json"
# Every tool of the side-by-side reads the same UTF-8 copy (Polars reads nothing else); etl reads it
# with `encoding: utf-8`. Its ISO-8859-1 original is read once more below, for the record.
iconv -f ISO-8859-1 -t UTF-8 "$work/bench.csv" >"$work/bench-utf8.csv"
sed -e 's#path: bench.csv#path: bench-utf8.csv#' -e 's#encoding: iso-8859-1#encoding: utf-8#' "$work/pipeline.yml" >"$work/pipeline-utf8.yml"
grep -q 'encoding: utf-8' "$work/pipeline-utf8.yml" || { echo "run.sh: could not write the UTF-8 pipeline" >&2; exit 1; }
csv="$work/bench-utf8.csv"
csv_sql="'$(printf '%s' "$csv" | sed "s/'/''/g")'"

# --- Side by side: etl and its peers on the same CSV, rounds in shuffled order -----------------
# Each builds the star schema from the CSV into a new file; every peer's fact count and value sum
# are checked against the cells etl staged (the report compares them).
run_one() {
    case "$1" in
        etl_csv)
            rm -rf "$scratch/wh-csv"; mkdir -p "$scratch/wh-csv"
            measure etl_csv "$n" "etl run (stage, harmonise, indicators, publish), fresh warehouse" -- \
                "$bin" run "$work/pipeline-utf8.yml" --warehouse "$scratch/wh-csv/warehouse.sqlite"
            cp "$scratch/wh-csv/runs/last-run.json" "$records/etl_csv.r$round.run.json" 2>/dev/null || true
            check etl_csv "$(staged_of "$scratch/wh-csv/warehouse.sqlite")"
            facts_of "$scratch/wh-csv/warehouse.sqlite" >"$records/facts.csv.txt" ;;
        baseline_a)
            command -v sqlite3 >/dev/null 2>&1 || return 0
            sed "s#@CSV@#$csv_sql#" "$here/sql/sqlite_star.sql" >"$scratch/sqlite_star.sql"
            rm -f "$scratch"/a.sqlite*
            measure baseline_a "$n" "(a) sqlite3 shell .import + star-schema SQL" -- \
                sh -c 'exec sqlite3 "$1" <"$2"' sh "$scratch/a.sqlite" "$scratch/sqlite_star.sql"
            [ "$have_peers" = 1 ] && check baseline_a "$("$peer_python" "$here/peers.py" check-sqlite "$scratch/a.sqlite" 2>&1)"
            rm -f "$scratch"/a.sqlite* ;;
        baseline_b)
            measure baseline_b "$n" "(b) bare prepared-statement insert, one transaction" -- \
                "$bench" bench-insert "$csv" --database "$scratch/b.sqlite"
            rm -f "$scratch"/b.sqlite* ;;
        baseline_b100)
            measure baseline_b100 "$n" "(b') bare insert, 100-row multi-VALUES statements" -- \
                "$bench" bench-insert "$csv" --database "$scratch/b.sqlite" --rows-per-statement 100
            rm -f "$scratch"/b.sqlite* ;;
        peer_polars)
            rm -f "$scratch"/p.sqlite*
            measure peer_polars "$n" "Polars read_csv + star schema, ADBC bulk ingest into SQLite" -- \
                "$peer_python" "$here/peers.py" polars "$csv" "$scratch/p.sqlite"
            check peer_polars "$("$peer_python" "$here/peers.py" check-sqlite "$scratch/p.sqlite" 2>&1)"
            rm -f "$scratch"/p.sqlite* ;;
        peer_duckdb_sqlite)
            rm -f "$scratch"/d.sqlite*
            measure peer_duckdb_sqlite "$n" "DuckDB read_csv + star-schema SQL into a SQLite file (sqlite extension)" -- \
                "$peer_python" "$here/peers.py" duckdb-sqlite "$csv" "$scratch/d.sqlite" "$duckdb_ext_dir"
            check peer_duckdb_sqlite "$("$peer_python" "$here/peers.py" check-sqlite "$scratch/d.sqlite" 2>&1)"
            rm -f "$scratch"/d.sqlite* ;;
        peer_duckdb)
            rm -f "$scratch"/c.duckdb*
            measure peer_duckdb "$n" "DuckDB read_csv + star-schema SQL into its own file (no primary key)" -- \
                "$peer_python" "$here/peers.py" duckdb "$csv" "$scratch/c.duckdb"
            check peer_duckdb "$("$peer_python" "$here/peers.py" check-duckdb "$scratch/c.duckdb" 2>&1)"
            rm -f "$scratch"/c.duckdb* ;;
        etl_jsonstat|etl_sdmx)
            local f=${1#etl_} what
            [ "$f" = jsonstat ] && what="JSON-stat 2.0" || what="SDMX-ML 2.0"
            rm -rf "$scratch/wh-$f"; mkdir -p "$scratch/wh-$f"
            measure "$1" "$n" "etl run, $what, the same cells, fresh warehouse" -- \
                "$bin" run "$work/pipeline-$f.yml" --warehouse "$scratch/wh-$f/warehouse.sqlite"
            cp "$scratch/wh-$f/runs/last-run.json" "$records/$1.r$round.run.json" 2>/dev/null || true
            facts_of "$scratch/wh-$f/warehouse.sqlite" >"$records/facts.$f.txt"
            rm -rf "$scratch/wh-$f" ;;
    esac
}
side_by_side="etl_csv baseline_a baseline_b baseline_b100 etl_jsonstat etl_sdmx"
[ "$have_peers" = 1 ] && side_by_side="$side_by_side peer_polars peer_duckdb_sqlite peer_duckdb"
for round in $(seq 1 "$rounds"); do
    for name in $(printf '%s\n' $side_by_side | shuf); do run_one "$name"; done
done
round=""

# --- etl on the same warehouse: no-op, rerun, the ISO-8859-1 original -------------------------
measure etl_noop "$n" "etl run again, nothing changed (no-op)" -- \
    "$bin" run "$work/pipeline-utf8.yml" --warehouse "$scratch/wh-csv/warehouse.sqlite"
measure etl_rerun "$n" "etl rerun --structure 2020 (no source read)" -- \
    "$bin" rerun "$work/pipeline-utf8.yml" --warehouse "$scratch/wh-csv/warehouse.sqlite"  --structure 2020
cp "$scratch/wh-csv/runs/last-run.json" "$records/etl_rerun.run.json" 2>/dev/null || true
rm -rf "$scratch/wh-csv"
mkdir -p "$scratch/wh-latin1"
measure etl_csv_latin1 "$n" "etl run of the ISO-8859-1 original, as SSB writes it (information)" -- \
    "$bin" run "$work/pipeline.yml" --warehouse "$scratch/wh-latin1/warehouse.sqlite"
facts_of "$scratch/wh-latin1/warehouse.sqlite" >"$records/facts.latin1.txt"
rm -rf "$scratch/wh-latin1"

# --- A changed source in a nightly run ---------------------------------------------------------
# The CSV split by measure into five sources; a full run into a populated warehouse (every source
# re-staged), then a run after one source changed (one value), which re-stages only that source.
$python "$here/split_sources.py" "$work" "$scratch/nightly" 5 >"$records/nightly.split.txt"
changed=$(sed -n 's/^changed source: src//p' "$records/nightly.split.txt")
mkdir -p "$scratch/wh-nightly"
measure nightly_first "$n" "five sources, first run into a fresh warehouse (information)" -- \
    "$bin" run "$scratch/nightly/pipeline.yml" --warehouse "$scratch/wh-nightly/warehouse.sqlite"
measure nightly_full "$n" "five sources, etl run --full-refresh (every source re-staged)" -- \
    "$bin" run "$scratch/nightly/pipeline.yml" --warehouse "$scratch/wh-nightly/warehouse.sqlite" --full-refresh
cp "$scratch/wh-nightly/runs/last-run.json" "$records/nightly_full.run.json" 2>/dev/null || true
cp "$scratch/nightly/src-$changed.changed.csv" "$scratch/nightly/src-$changed.csv"
measure nightly_one "$n" "five sources, one changed: etl run" -- \
    "$bin" run "$scratch/nightly/pipeline.yml" --warehouse "$scratch/wh-nightly/warehouse.sqlite"
cp "$scratch/wh-nightly/runs/last-run.json" "$records/nightly_one.run.json" 2>/dev/null || true
rm -rf "$scratch/wh-nightly" "$scratch/nightly"

# --- Peak memory at a smaller size -------------------------------------------------------------
if [ "$memory_observations" -gt 0 ] && [ "$memory_observations" -lt "$observations" ]; then
    "$bench" generate --out "$scratch/small" --observations "$memory_observations" --formats csv --seed "$seed" 2>/dev/null
    n_small=$($python -c 'import json,sys; print(json.load(open(sys.argv[1]))["observations"])' "$scratch/small/workload.json")
    mkdir -p "$scratch/wh-small"
    measure etl_csv_small "$n_small" "etl run, SSB CSV, the smaller workload (memory flatness)" -- \
        "$bin" run "$scratch/small/pipeline.yml" --warehouse "$scratch/wh-small/warehouse.sqlite"
    cp "$scratch/wh-small/runs/last-run.json" "$records/etl_csv_small.run.json" 2>/dev/null || true
fi

# --- Report ------------------------------------------------------------------------------------
total_seconds=$(awk -v a="$(date +%s.%N)" -v b="$started_epoch" 'BEGIN { printf "%.1f", a - b }')
mkdir -p "$here/results"
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host=$(uname -srm)"
    echo "cpus=$(nproc 2>/dev/null || echo '?')"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    echo "memory_kb=$(grep -m1 MemTotal /proc/meminfo 2>/dev/null | awk '{print $2}')"
    echo "swift=$(swift --version 2>/dev/null | head -1)"
    echo "sqlite3_shell=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
    echo "rounds=$rounds"
    echo "peers=$("$peer_python" -c 'import duckdb, polars, adbc_driver_sqlite, pyarrow, sqlite3; print("DuckDB %s, duckdb-ext-sqlite, Polars %s, adbc-driver-sqlite %s, pyarrow %s, SQLite %s (Python)" % (duckdb.__version__, polars.__version__, adbc_driver_sqlite.__version__, pyarrow.__version__, sqlite3.sqlite_version))' 2>/dev/null || echo)"
    echo "build_seconds=$build_seconds"
    echo "total_seconds=$total_seconds"
    echo "git=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo)$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty')"
} >"$records/machine.txt"

$python - "$records" "$here/results" <<'PY'
import json, os, statistics, sys
records, outdir = sys.argv[1], sys.argv[2]
machine = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(records, "machine.txt")) if "=" in l)
workload = json.load(open(os.path.join(records, "workload.json")))
runs = {}
order = []
for line in open(os.path.join(records, "measurements.tsv")):
    name, obs, wall, rss, rc, desc, rnd = line.rstrip("\n").split("\t")
    if name not in runs:
        runs[name] = []
        order.append(name)
    try:
        wall_f = float(wall)
    except ValueError:
        wall_f = None
    try:
        rss_mb = int(rss) / 1024.0
    except ValueError:
        rss_mb = None
    runs[name].append({"round": int(rnd), "obs": workload["observations"] if name == "generate" else int(obs), "desc": desc,
                       "wall": wall_f, "rss": rss_mb, "rc": int(rc)})
checks = {}
for line in open(os.path.join(records, "checks.tsv")):
    name, rnd, text = line.rstrip("\n").split("\t", 2)
    checks.setdefault(name, []).append(text)

rows = {}
for name in order:
    rs = runs[name]
    ok = [r for r in rs if r["rc"] == 0 and r["wall"] is not None]
    r = {"name": name, "description": rs[0]["desc"], "observations": rs[0]["obs"], "rounds": len(rs),
         "wall_seconds": round(statistics.median([x["wall"] for x in ok]), 3) if ok and len(ok) == len(rs) else None,
         "wall_seconds_each": [x["wall"] for x in rs],
         "peak_rss_mb": round(max(x["rss"] for x in ok), 1) if ok and len(ok) == len(rs) else None,
         "exit_status": max(x["rc"] for x in rs)}
    if r["wall_seconds"] and name not in ("etl_noop", "generate"):
        r["observations_per_second"] = round(r["observations"] / r["wall_seconds"])
    if name in checks:
        r["check"] = checks[name]
    files = sorted(f for f in os.listdir(records) if f.startswith(name + ".") and f.endswith(".run.json"))
    if files:
        rec = json.load(open(os.path.join(records, files[0])))
        r["etl_steps"] = [{"step": s["step"], "status": s["status"], "seconds": round(s["seconds"], 3), "rows": s["rows"]} for s in rec.get("steps", [])]
        r["etl_status"] = rec.get("status")
        r["etl_facts"] = rec.get("facts")
        r["etl_seconds"] = round(rec.get("elapsedSeconds", 0), 3)
    rows[name] = r

def wall(n):
    r = rows.get(n)
    return r["wall_seconds"] if r and r["exit_status"] == 0 else None
def rss(n):
    r = rows.get(n)
    return r["peak_rss_mb"] if r and r["exit_status"] == 0 else None
def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None

csv = wall("etl_csv")
sqlite_peers = [n for n in ("baseline_a", "peer_polars", "peer_duckdb_sqlite") if wall(n) is not None]
fastest = min(sqlite_peers, key=wall) if sqlite_peers else None
ratios = {
    "fastest_sqlite_peer": fastest,
    "fastest_sqlite_peer_over_etl_csv": ratio(wall(fastest), csv) if fastest else None,
    "peer_polars_over_etl_csv": ratio(wall("peer_polars"), csv),
    "peer_duckdb_sqlite_over_etl_csv": ratio(wall("peer_duckdb_sqlite"), csv),
    "baseline_a_over_etl_csv": ratio(wall("baseline_a"), csv),
    "etl_csv_over_peer_duckdb": ratio(csv, wall("peer_duckdb")),
    "etl_csv_over_baseline_b": ratio(csv, wall("baseline_b")),
    "etl_csv_over_baseline_b100": ratio(csv, wall("baseline_b100")),
    "etl_jsonstat_over_etl_csv": ratio(wall("etl_jsonstat"), csv),
    "etl_sdmx_over_etl_csv": ratio(wall("etl_sdmx"), csv),
    "etl_rerun_over_etl_csv": ratio(wall("etl_rerun"), csv),
    "nightly_one_over_nightly_full": ratio(wall("nightly_one"), wall("nightly_full")),
    "etl_csv_peak_rss_over_smaller": ratio(rss("etl_csv_latin1"), rss("etl_csv_small")),
}
etl_names = [n for n in order if n.startswith(("etl_", "nightly_"))]
etl_rss = [rss(n) for n in etl_names if rss(n) is not None]
total = float(machine.get("total_seconds") or 0)
def target(name, value, ok, goal):
    return {"target": name, "goal": goal, "value": value, "met": None if value is None else bool(ok)}
big = 1e9
targets = [
    target("etl at least 1.5x faster than the fastest SQLite-producing peer (%s)" % fastest, ratios["fastest_sqlite_peer_over_etl_csv"],
           (ratios["fastest_sqlite_peer_over_etl_csv"] or 0) >= 1.5, ">= 1.5 (time of the peer / time of etl)"),
    target("etl within 1.5x of DuckDB into its own file", ratios["etl_csv_over_peer_duckdb"],
           (ratios["etl_csv_over_peer_duckdb"] or big) <= 1.5, "<= 1.5 (time of etl / time of DuckDB)"),
    target("etl at least 5x faster than (a) sqlite3 .import + SQL", ratios["baseline_a_over_etl_csv"],
           (ratios["baseline_a_over_etl_csv"] or 0) >= 5, ">= 5 (time of (a) / time of etl)"),
    target("etl within 1.5x of (b) bare insert", ratios["etl_csv_over_baseline_b"],
           (ratios["etl_csv_over_baseline_b"] or big) <= 1.5, "<= 1.5 (time of etl / time of (b))"),
    target("peak RSS of every etl run below 100 MB", max(etl_rss) if etl_rss else None,
           (max(etl_rss) if etl_rss else big) < 100, "< 100 MB"),
    target("peak RSS flat from the smaller workload to the full one", ratios["etl_csv_peak_rss_over_smaller"],
           (ratios["etl_csv_peak_rss_over_smaller"] or big) <= 1.2, "<= 1.2 (RSS full / RSS smaller)"),
    target("JSON-stat within 1.3x of CSV", ratios["etl_jsonstat_over_etl_csv"], (ratios["etl_jsonstat_over_etl_csv"] or big) <= 1.3, "<= 1.3"),
    target("SDMX within 1.6x of CSV", ratios["etl_sdmx_over_etl_csv"], (ratios["etl_sdmx_over_etl_csv"] or big) <= 1.6, "<= 1.6"),
    target("one of five sources changed: under 0.3 of a full run", ratios["nightly_one_over_nightly_full"],
           (ratios["nightly_one_over_nightly_full"] or big) < 0.3, "< 0.3 (time of the run / time of --full-refresh)"),
    target("rerun --structure 2020 under half of a full run", ratios["etl_rerun_over_etl_csv"],
           (ratios["etl_rerun_over_etl_csv"] or big) < 0.5, "< 0.5"),
    target("no-op incremental run under 1 s", wall("etl_noop"), (wall("etl_noop") or big) < 1.0, "< 1 s"),
]
facts = {}
for f in ("csv", "latin1", "jsonstat", "sdmx"):
    p = os.path.join(records, "facts.%s.txt" % f)
    if os.path.exists(p):
        facts[f] = open(p).read().strip()
# Every peer's star schema holds the cells etl staged: same rows, same values, same sum.
reference = set(checks.get("etl_csv", []))
star_checks = {n: sorted(set(v)) for n, v in checks.items()}
star_agree = len(reference) == 1 and all(set(v) == reference for v in checks.values())
result = {
    "machine": machine,
    "workload": workload,
    "measurements": [rows[n] for n in order],
    "ratios": ratios,
    "targets": targets,
    "facts_agree_across_formats": len(set(facts.values())) == 1 if facts else None,
    "facts": facts,
    "star_schema_checks_agree": star_agree,
    "star_schema_checks": star_checks,
}
os.makedirs(outdir, exist_ok=True)
with open(os.path.join(outdir, "latest.json"), "w") as fh:
    json.dump(result, fh, indent=2, ensure_ascii=False)
    fh.write("\n")

def fmt(x, spec):
    return "-" if x is None else format(x, spec)
lines = []
lines.append("Workload: %d observations (%d regions x %d measures x %d years), seed %s; %s, %s CPUs (%s); %s; %s rounds, medians" % (
    workload["observations"], workload["regions"], workload["measures"], workload["years"][1] - workload["years"][0] + 1,
    workload["seed"], machine.get("host", ""), machine.get("cpus", ""), machine.get("cpu", ""), machine.get("date", ""), machine.get("rounds", "")))
lines.append("")
lines.append("| measurement | observations | wall s (median) | each round | obs/s | peak RSS MB | exit |")
lines.append("|---|---:|---:|---|---:|---:|---:|")
for n in order:
    r = rows[n]
    each = " ".join(fmt(w, ".2f") for w in r["wall_seconds_each"]) if r["rounds"] > 1 else ""
    lines.append("| %s: %s | %d | %s | %s | %s | %s | %d |" % (n, r["description"], r["observations"], fmt(r["wall_seconds"], ".2f"), each,
                 fmt(r.get("observations_per_second"), ",d"), fmt(r["peak_rss_mb"], ".1f"), r["exit_status"]))
lines.append("")
lines.append("| target | goal | value | met |")
lines.append("|---|---|---:|---|")
for t in targets:
    met = "n/a" if t["met"] is None else ("yes" if t["met"] else "NO")
    lines.append("| %s | %s | %s | %s |" % (t["target"], t["goal"], fmt(t["value"], ".2f") if isinstance(t["value"], float) else fmt(t["value"], ""), met))
lines.append("")
lines.append("ratios: " + ", ".join("%s %s" % (k, v) for k, v in ratios.items()))
for n in ("etl_csv", "nightly_full", "nightly_one"):
    steps = rows.get(n, {}).get("etl_steps")
    if steps:
        lines.append("%s steps (round 1): %s; whole run %.2f s" % (n, ", ".join("%s %s %.2f s" % (s["step"], s["status"], s["seconds"]) for s in steps),
                                                                      rows[n].get("etl_seconds", 0)))
lines.append("facts agree across formats: %s %s" % (result["facts_agree_across_formats"], facts))
lines.append("star schemas hold the cells etl staged (rows, values, sum in thousandths): %s %s" % (star_agree, star_checks))
lines.append("peers: %s" % machine.get("peers", ""))
lines.append("build %.0f s, whole benchmark %.0f s; JSON: Benchmarks/results/latest.json" % (float(machine.get("build_seconds") or 0), total))
text = "\n".join(lines) + "\n"
open(os.path.join(outdir, "latest.md"), "w").write(text)
print(text)
PY

# Revisions (issue 18): a second version of the CSV with 1 % of its cells revised; the ratios
# go to results/revision.jsonl (Benchmarks/README.md, "Revisions").
if [ "$revision" = 1 ]; then
    : >"$here/results/revision.jsonl"
    "$here/revision.sh" "$scratch" "$work/bench.csv" "$bin" "$here/results/revision.jsonl" || say "revision measurement failed"
fi

# --- etl report (issue 19): its own script and results (Benchmarks/README.md, "The report") ---
if [ "$report" = 1 ]; then
    say "Benchmarks/report.sh (etl report, 357 municipalities x 20 indicators x 15 years)"
    "$here/report.sh" --bin "$bin" --bench "$bench" || { echo "run.sh: Benchmarks/report.sh failed" >&2; exit 1; }
fi
