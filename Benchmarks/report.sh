#!/usr/bin/env bash
# `etl report` at national scale (issue 19): builds a warehouse of the 357 municipalities of the
# 2024 structure x 20 indicators x 15 years from the benchmark's generator (the 1 M-cell CSV
# workload of `etl-bench generate`, whose pipeline has 8 indicators, plus 12 more over measures the
# generated file already holds), then times `etl report` and measures its pages.
#
#     Benchmarks/report.sh [--observations N] [--skip-build] [--keep] [--scratch DIR] [--bin ETL] [--bench ETL-BENCH]
#
# Writes Benchmarks/results/report.json and report.md and prints the table; the timings are
# wall seconds of one run each, the report against the run that built the warehouse (a ratio
# from the same machine and minute). Benchmarks/README.md, "The report", explains the numbers.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
observations=1000000
build=1
keep=0
scratch=""
bin=""
bench=""
while [ $# -gt 0 ]; do
    case "$1" in
        --observations) observations="$2"; shift 2 ;;
        --skip-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        --scratch) scratch="$2"; shift 2 ;;
        --bin) bin="$2"; build=0; shift 2 ;;
        --bench) bench="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "report.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
say() { printf '[report %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ -x /usr/bin/time ] || { echo "report.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

cd "$repo"
if [ "$build" = 1 ]; then
    say "swift build -c release"
    { swift build -c release && swift build -c release --package-path Benchmarks; } >"${TMPDIR:-/tmp}/etl-report-build.log" 2>&1 || { echo "report.sh: build failed; see ${TMPDIR:-/tmp}/etl-report-build.log" >&2; exit 1; }
fi
[ -n "$bin" ] || bin="$(swift build -c release --show-bin-path 2>/dev/null)/etl"
[ -x "$bin" ] || { echo "report.sh: no release binary at $bin; run without --skip-build" >&2; exit 1; }
[ -n "$bench" ] || bench="$(swift build -c release --package-path Benchmarks --show-bin-path 2>/dev/null)/etl-bench"
[ -x "$bench" ] || { echo "report.sh: no release binary at $bench (Benchmarks/Package.swift); run without --skip-build" >&2; exit 1; }

if [ -z "$scratch" ]; then scratch="$(mktemp -d "${TMPDIR:-/tmp}/etl-report.XXXXXX")"; else mkdir -p "$scratch"; fi
case "$scratch" in "$repo"|"$repo"/*) echo "report.sh: --scratch must be outside the repository" >&2; exit 2 ;; esac
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$scratch"; else say "kept $scratch"; fi; }
trap cleanup EXIT
work="$scratch/workload"

say "etl-bench generate --observations $observations --formats csv"
"$bench" generate --out "$work" --observations "$observations" --formats csv --seed 1 >/dev/null 2>&1

# Twelve more indicators over counts the generated file holds: each a count and a rate per
# 1 000 inhabitants of one variable, so the warehouse has 20 indicators.
python3 - "$work" <<'PY'
import sys, os
work = sys.argv[1]
names = set()
with open(os.path.join(work, "bench.csv"), encoding="iso-8859-1") as f:
    next(f)
    for line in f:
        names.add(line.split(";")[2].strip('"'))
counts = sorted(n for n in names if n.endswith("(antall)") and "variant" in n and "praktisk bistand, 0-17 år, variant 1" not in n)[:6]
if len(counts) < 6:
    sys.exit("report.sh: the generated file has only %d count variables; expected 6" % len(counts))
pipeline = open(os.path.join(work, "pipeline.yml"), encoding="utf-8").read()
measures = "".join('  ekstra_%d:\n    source: bench\n    contents: "%s"\n' % (i, n) for i, n in enumerate(counts))
pipeline = pipeline.replace("\ngroups:", "\n" + measures + "\ngroups:").replace("indicators: indicators.yml", "indicators: indicators-report.yml")
open(os.path.join(work, "pipeline-report.yml"), "w", encoding="utf-8").write(pipeline)
ind = open(os.path.join(work, "indicators.yml"), encoding="utf-8").read()
for i, n in enumerate(counts):
    label = n.replace(" (antall)", "")
    ind += ("  - code: ekstra_%d_antall\n    name: \"%s\"\n    unit: antall\n    kind: count\n    measure: ekstra_%d\n    scale: 1\n    decimals: 0\n"
            "    definition: \"%s, as generated.\"\n" % (i, label, i, label))
    ind += ("  - code: ekstra_%d_per_1000\n    name: \"%s, per 1 000 innbyggere\"\n    unit: per 1 000 innbyggere\n    kind: ratio\n"
            "    numerator: ekstra_%d\n    denominator: befolkning\n    scale: 1000\n    decimals: 2\n"
            "    definition: \"%s per 1 000 inhabitants.\"\n" % (i, label, i, label))
open(os.path.join(work, "indicators-report.yml"), "w", encoding="utf-8").write(ind)
PY

say "etl run (the warehouse the report reads)"
/usr/bin/time -f '%e %M %U %S' -o "$scratch/run.time" "$bin" run "$work/pipeline-report.yml" --warehouse "$scratch/warehouse.sqlite" --quiet
say "etl report"
/usr/bin/time -f '%e %M %U %S' -o "$scratch/report.time" "$bin" report --warehouse "$scratch/warehouse.sqlite" --catalog "$work/kommuneendringer.csv" --pipeline "$work/pipeline-report.yml" -o "$scratch/report" 2>"$scratch/report.err" \
    || { cat "$scratch/report.err" >&2; exit 1; }
cat "$scratch/report.err" >&2

mkdir -p "$here/results"
python3 - "$scratch" "$here/results" "$observations" <<'PY'
import json, os, sqlite3, statistics, sys
scratch, outdir, observations = sys.argv[1], sys.argv[2], int(sys.argv[3])
def timing(name):
    wall, rss, user, system = open(os.path.join(scratch, name + ".time")).read().split()[-4:]
    return float(wall), int(rss) / 1024, float(user) + float(system)
run_s, run_mb, run_cpu = timing("run")
rep_s, rep_mb, rep_cpu = timing("report")
db = sqlite3.connect(os.path.join(scratch, "warehouse.sqlite"))
facts = db.execute("SELECT count(*) FROM fact_indicator WHERE method <> 'not_computable'").fetchone()[0]
indicators = db.execute("SELECT count(*) FROM dim_indicator").fetchone()[0]
municipalities = db.execute("SELECT count(DISTINCT r.code) FROM fact_indicator f JOIN dim_region r USING (region_key) WHERE f.method <> 'not_computable' AND r.level = 'kommune'").fetchone()[0]
years = db.execute("SELECT count(DISTINCT period_key) FROM fact_indicator").fetchone()[0]
report = os.path.join(scratch, "report")
def sizes(sub):
    d = os.path.join(report, sub)
    return sorted(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
regions, inds = sizes("region"), sizes("indikator")
total = sum(regions) + sum(inds) + os.path.getsize(os.path.join(report, "index.html")) + os.path.getsize(os.path.join(report, "report.css"))
result = {
    "workload": {"observations": observations, "facts": facts, "municipalities": municipalities, "indicators": indicators, "years": years},
    "run": {"wall_seconds": run_s, "cpu_seconds": round(run_cpu, 2), "peak_rss_mb": round(run_mb, 1)},
    "report": {"wall_seconds": rep_s, "cpu_seconds": round(rep_cpu, 2), "peak_rss_mb": round(rep_mb, 1), "pages": len(regions) + len(inds) + 1, "total_mb": round(total / 1e6, 1),
               "region_page_kb": {"median": round(statistics.median(regions) / 1e3, 1), "max": round(max(regions) / 1e3, 1)},
               "indicator_page_kb": {"median": round(statistics.median(inds) / 1e3, 1), "max": round(max(inds) / 1e3, 1)},
               "index_kb": round(os.path.getsize(os.path.join(report, "index.html")) / 1e3, 1)},
    "report_over_run": round(rep_s / run_s, 3) if run_s else None,
}
json.dump(result, open(os.path.join(outdir, "report.json"), "w"), indent=2)
r = result["report"]
md = "\n".join([
    "Workload: %d observations generated; warehouse of %d municipalities x %d indicators x %d years (%d facts with a value or symbol)" % (
        observations, municipalities, indicators, years, facts),
    "",
    "| measurement | value |",
    "|---|---:|",
    "| etl run (builds the warehouse) | %.2f s wall, %.2f s CPU, %.0f MB peak |" % (run_s, run_cpu, run_mb),
    "| etl report | %.2f s wall, %.2f s CPU (pages rendered on every core), %.0f MB peak |" % (rep_s, rep_cpu, rep_mb),
    "| report time / run time | %.2f |" % (rep_s / run_s if run_s else float("nan")),
    "| pages | %d (%.1f MB in all) |" % (r["pages"], r["total_mb"]),
    "| region page, median / largest | %.1f / %.1f kB |" % (r["region_page_kb"]["median"], r["region_page_kb"]["max"]),
    "| indicator page, median / largest | %.1f / %.1f kB |" % (r["indicator_page_kb"]["median"], r["indicator_page_kb"]["max"]),
    "| index | %.1f kB |" % r["index_kb"],
]) + "\n"
open(os.path.join(outdir, "report.md"), "w").write(md)
print(md)
PY
