#!/usr/bin/env bash
# The national-scale benchmark (issue 10). One command, from the repository root or anywhere:
#
#     Benchmarks/run.sh                                  # 5 million observations (the default; ~7 min here)
#     Benchmarks/run.sh --observations 1000000           # a quicker run
#
# Builds etl in release mode, generates the workload (SSB CSV, JSON-stat, SDMX) into a scratch
# directory outside the repository, measures every step with /usr/bin/time, writes
# Benchmarks/results/latest.json (and latest.md) and prints the table. Benchmarks/README.md
# explains every number.
#
# Options:
#   --observations N          cells per format (default 5000000)
#   --memory-observations N   a second, smaller CSV run to show that peak memory is flat (default 1000000)
#   --scratch DIR             where the workload and warehouses go (default: a new directory under $TMPDIR or /tmp)
#   --keep                    keep the scratch directory (default: removed at the end)
#   --skip-build              use the existing release build
#   --no-install              do not try to install missing tools (time, sqlite3, the Python package duckdb)
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
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
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
if ! $python -c 'import duckdb' >/dev/null 2>&1 && [ "$install" = 1 ]; then
    say "installing the Python package duckdb (pip install duckdb)"
    $python -m pip install --quiet duckdb >/dev/null 2>&1 \
        || $python -m pip install --quiet --break-system-packages duckdb >/dev/null 2>&1 \
        || $python -m pip install --quiet --user duckdb >/dev/null 2>&1 || true
fi
have_duckdb=0
$python -c 'import duckdb' >/dev/null 2>&1 && have_duckdb=1
[ "$have_duckdb" = 1 ] || say "Python package duckdb not available: baseline (c) will be skipped"

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
measure() {
    local name="$1" obs="$2" desc="$3"; shift 4
    say "$name: $desc"
    local rc=0
    /usr/bin/time -f '%e %M' -o "$records/$name.time" "$@" >"$records/$name.out" 2>"$records/$name.err" || rc=$?
    local wall rss
    read -r wall rss < <(tail -n 1 "$records/$name.time" 2>/dev/null) || { wall="-"; rss="-"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$obs" "$wall" "$rss" "$rc" "$desc" >>"$records/measurements.tsv"
    if [ "$rc" != 0 ]; then say "$name exited with status $rc:"; tail -5 "$records/$name.err" >&2; fi
}

measure generate 0 "etl generate (CSV, JSON-stat, SDMX)" -- \
    "$bench" generate --out "$work" --observations "$observations" --seed "$seed"
n=$($python -c 'import json,sys; print(json.load(open(sys.argv[1]))["observations"])' "$work/workload.json")
cp "$work/workload.json" "$records/workload.json"

# --- etl ---------------------------------------------------------------------------------------
# Each format publishes into its own fresh warehouse; run records land in DIR/runs/.
etl_run() {  # NAME PIPELINE WAREHOUSE-DIR DESCRIPTION [extra args]
    local name="$1" pipeline="$2" dir="$3" desc="$4"; shift 4
    mkdir -p "$dir"
    measure "$name" "$n" "$desc" -- "$bin" run "$pipeline" --warehouse "$dir/warehouse.sqlite" "$@"
    cp "$dir/runs/last-run.json" "$records/$name.run.json" 2>/dev/null || true
}
etl_run etl_csv "$work/pipeline.yml" "$scratch/wh-csv" "etl run, SSB CSV, fresh warehouse"
sqlite3 "$scratch/wh-csv/warehouse.sqlite" "SELECT count(*) || ' ' || printf('%.6f', total(value)) FROM fact_indicator" \
    >"$records/facts.csv.txt" 2>/dev/null || echo "n/a" >"$records/facts.csv.txt"
etl_run etl_noop "$work/pipeline.yml" "$scratch/wh-csv" "etl run again, nothing changed (no-op)"
mkdir -p "$scratch/wh-csv"
measure etl_rerun "$n" "etl rerun --structure 2020 (no source read)" -- \
    "$bin" rerun "$work/pipeline.yml" --warehouse "$scratch/wh-csv/warehouse.sqlite" --structure 2020
cp "$scratch/wh-csv/runs/last-run.json" "$records/etl_rerun.run.json" 2>/dev/null || true
etl_run etl_jsonstat "$work/pipeline-jsonstat.yml" "$scratch/wh-jsonstat" "etl run, JSON-stat 2.0, fresh warehouse"
etl_run etl_sdmx "$work/pipeline-sdmx.yml" "$scratch/wh-sdmx" "etl run, SDMX-ML 2.0, fresh warehouse"
# Facts must agree across formats (CSV's were counted before the rerun changed its structure year).
for f in jsonstat sdmx; do
    sqlite3 "$scratch/wh-$f/warehouse.sqlite" "SELECT count(*) || ' ' || printf('%.6f', total(value)) FROM fact_indicator" \
        >"$records/facts.$f.txt" 2>/dev/null || echo "n/a" >"$records/facts.$f.txt"
done
rm -rf "$scratch/wh-jsonstat" "$scratch/wh-sdmx"

# --- Baselines on the same CSV -----------------------------------------------------------------
if command -v sqlite3 >/dev/null 2>&1; then
    csv_sql="'$(printf '%s' "$work/bench.csv" | sed "s/'/''/g")'"
    sed "s#@CSV@#$csv_sql#" "$here/sql/sqlite_star.sql" >"$scratch/sqlite_star.sql"
    measure baseline_a "$n" "(a) sqlite3 shell .import + star-schema SQL" -- \
        sh -c 'exec sqlite3 "$1" <"$2"' sh "$scratch/a.sqlite" "$scratch/sqlite_star.sql"
    rm -f "$scratch"/a.sqlite*
fi
measure baseline_b "$n" "(b) bare prepared-statement insert, one transaction" -- \
    "$bench" bench-insert "$work/bench.csv" --database "$scratch/b.sqlite"
rm -f "$scratch"/b.sqlite*
measure baseline_b100 "$n" "(b') the same with 100-row multi-VALUES inserts (information)" -- \
    "$bench" bench-insert "$work/bench.csv" --database "$scratch/b.sqlite" --rows-per-statement 100
rm -f "$scratch"/b.sqlite*
if [ "$have_duckdb" = 1 ]; then
    csv_sql="'$(printf '%s' "$work/bench.csv" | sed "s/'/''/g")'"
    sed "s#@CSV@#$csv_sql#" "$here/sql/duckdb_star.sql" >"$scratch/duckdb_star.sql"
    measure baseline_c "$n" "(c) DuckDB read_csv + star-schema SQL" -- \
        "$python" -c 'import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute(open(sys.argv[2], encoding="utf-8").read())
print("fact rows", con.execute("SELECT count(*) FROM fact_observation").fetchone()[0])
con.close()' "$scratch/c.duckdb" "$scratch/duckdb_star.sql"
    rm -f "$scratch"/c.duckdb*
fi

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
    echo "duckdb=$($python -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null || echo)"
    echo "build_seconds=$build_seconds"
    echo "total_seconds=$total_seconds"
    echo "git=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo)$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty')"
} >"$records/machine.txt"

$python - "$records" "$here/results" <<'PY'
import json, os, sys
records, outdir = sys.argv[1], sys.argv[2]
machine = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(records, "machine.txt")) if "=" in l)
workload = json.load(open(os.path.join(records, "workload.json")))
rows = {}
order = []
for line in open(os.path.join(records, "measurements.tsv")):
    name, obs, wall, rss, rc, desc = line.rstrip("\n").split("\t")
    if name == "generate":
        obs = workload["observations"]
    try:
        wall_f = float(wall)
    except ValueError:
        wall_f = None
    try:
        rss_mb = int(rss) / 1024.0
    except ValueError:
        rss_mb = None
    r = {"name": name, "description": desc, "observations": int(obs), "wall_seconds": wall_f,
         "peak_rss_mb": None if rss_mb is None else round(rss_mb, 1), "exit_status": int(rc)}
    if wall_f and name not in ("etl_noop", "generate"):
        r["observations_per_second"] = round(int(obs) / wall_f)
    run_json = os.path.join(records, name + ".run.json")
    if os.path.exists(run_json):
        rec = json.load(open(run_json))
        r["etl_steps"] = [{"step": s["step"], "status": s["status"], "seconds": round(s["seconds"], 3), "rows": s["rows"]} for s in rec.get("steps", [])]
        r["etl_status"] = rec.get("status")
        r["etl_facts"] = rec.get("facts")
    rows[name] = r
    order.append(name)

def wall(n):
    r = rows.get(n)
    return r["wall_seconds"] if r and r["exit_status"] == 0 else None
def rss(n):
    r = rows.get(n)
    return r["peak_rss_mb"] if r and r["exit_status"] == 0 else None
def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None

csv = wall("etl_csv")
ratios = {
    "baseline_a_over_etl_csv": ratio(wall("baseline_a"), csv),
    "etl_csv_over_baseline_b": ratio(csv, wall("baseline_b")),
    "etl_csv_over_baseline_c": ratio(csv, wall("baseline_c")),
    "etl_jsonstat_over_etl_csv": ratio(wall("etl_jsonstat"), csv),
    "etl_sdmx_over_etl_csv": ratio(wall("etl_sdmx"), csv),
    "etl_rerun_over_etl_csv": ratio(wall("etl_rerun"), csv),
    "etl_csv_peak_rss_over_smaller": ratio(rss("etl_csv"), rss("etl_csv_small")),
}
etl_rss = [rss(n) for n in ("etl_csv", "etl_rerun", "etl_jsonstat", "etl_sdmx") if rss(n) is not None]
total = float(machine.get("total_seconds") or 0)
def target(name, value, ok, goal):
    return {"target": name, "goal": goal, "value": value, "met": None if value is None else bool(ok)}
targets = [
    target("CSV end-to-end at least 5x faster than (a) sqlite3 .import + SQL", ratios["baseline_a_over_etl_csv"],
           (ratios["baseline_a_over_etl_csv"] or 0) >= 5, ">= 5 (time of (a) / time of etl)"),
    target("CSV end-to-end within 1.5x of (b) bare insert", ratios["etl_csv_over_baseline_b"],
           (ratios["etl_csv_over_baseline_b"] or 1e9) <= 1.5, "<= 1.5 (time of etl / time of (b))"),
    target("CSV end-to-end no slower than (c) DuckDB", ratios["etl_csv_over_baseline_c"],
           (ratios["etl_csv_over_baseline_c"] or 1e9) <= 1.0, "<= 1.0 (time of etl / time of (c))"),
    target("peak RSS of every etl run below 100 MB", max(etl_rss) if etl_rss else None,
           (max(etl_rss) if etl_rss else 1e9) < 100, "< 100 MB"),
    target("peak RSS flat from the smaller workload to the full one", ratios["etl_csv_peak_rss_over_smaller"],
           (ratios["etl_csv_peak_rss_over_smaller"] or 1e9) <= 1.2, "<= 1.2 (RSS full / RSS smaller)"),
    target("rerun --structure 2020 under half of a full run", ratios["etl_rerun_over_etl_csv"],
           (ratios["etl_rerun_over_etl_csv"] or 1e9) < 0.5, "< 0.5"),
    target("no-op incremental run under 1 s", wall("etl_noop"), (wall("etl_noop") or 1e9) < 1.0, "< 1 s"),
    target("JSON-stat within 2x of CSV", ratios["etl_jsonstat_over_etl_csv"], (ratios["etl_jsonstat_over_etl_csv"] or 1e9) <= 2, "<= 2"),
    target("SDMX within 2x of CSV", ratios["etl_sdmx_over_etl_csv"], (ratios["etl_sdmx_over_etl_csv"] or 1e9) <= 2, "<= 2"),
    target("whole benchmark (build included) under 10 minutes", round(total, 1), total < 600, "< 600 s"),
]
facts = {}
for f in ("csv", "jsonstat", "sdmx"):
    p = os.path.join(records, "facts.%s.txt" % f)
    if os.path.exists(p):
        facts[f] = open(p).read().strip()
result = {
    "machine": machine,
    "workload": workload,
    "measurements": [rows[n] for n in order],
    "ratios": ratios,
    "targets": targets,
    "facts_agree_across_formats": len(set(facts.values())) == 1 if facts else None,
    "facts": facts,
}
os.makedirs(outdir, exist_ok=True)
with open(os.path.join(outdir, "latest.json"), "w") as fh:
    json.dump(result, fh, indent=2, ensure_ascii=False)
    fh.write("\n")

def fmt(x, spec):
    return "-" if x is None else format(x, spec)
lines = []
lines.append("Workload: %d observations (%d regions x %d measures x %d years), seed %s; %s, %s CPUs; %s" % (
    workload["observations"], workload["regions"], workload["measures"], workload["years"][1] - workload["years"][0] + 1,
    workload["seed"], machine.get("host", ""), machine.get("cpus", ""), machine.get("date", "")))
lines.append("")
lines.append("| measurement | observations | wall s | obs/s | peak RSS MB | exit |")
lines.append("|---|---:|---:|---:|---:|---:|")
for n in order:
    r = rows[n]
    lines.append("| %s: %s | %d | %s | %s | %s | %d |" % (n, r["description"], r["observations"], fmt(r["wall_seconds"], ".2f"),
                 fmt(r.get("observations_per_second"), ",d"), fmt(r["peak_rss_mb"], ".1f"), r["exit_status"]))
lines.append("")
lines.append("| target | goal | value | met |")
lines.append("|---|---|---:|---|")
for t in targets:
    met = "n/a" if t["met"] is None else ("yes" if t["met"] else "NO")
    lines.append("| %s | %s | %s | %s |" % (t["target"], t["goal"], fmt(t["value"], ".2f") if isinstance(t["value"], float) else fmt(t["value"], ""), met))
lines.append("")
steps = rows.get("etl_csv", {}).get("etl_steps")
if steps:
    lines.append("etl run (CSV) steps: " + ", ".join("%s %.2f s" % (s["step"], s["seconds"]) for s in steps))
lines.append("facts agree across formats: %s %s" % (result["facts_agree_across_formats"], facts))
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
