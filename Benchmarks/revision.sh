#!/usr/bin/env bash
# The revision measurement (issue 18): a second version of the generated SSB CSV source with
# 1 % of its cells revised, loaded into the warehouse of the first.
#
#     Benchmarks/revision.sh SCRATCH CSV ETL OUT.jsonl [PERCENT]
#
#   SCRATCH   a scratch directory (the copy of the workload and its warehouse go to SCRATCH/revision)
#   CSV       the generated CSV (`etl generate`'s bench.csv; its pipeline.yml, indicators.yml and
#             kommuneendringer.csv are taken from the same folder)
#   ETL       the etl binary (the release build)
#   OUT.jsonl where the measurements go, as JSON lines (appended)
#   PERCENT   share of cells to revise (default 1)
#
# It runs `etl run` on the first version into a fresh warehouse, revises PERCENT % of the
# numeric cells (every value chosen by a hash of its line number, multiplied by 1.05, in the
# file's decimal-comma format), runs `etl run` again, and reports the second run's time as a
# ratio to the first's and the warehouse's growth as a ratio to its size after the first.
# Goals: time ratio under 0.5, growth under 0.10. Benchmarks/README.md, "Revisions".
set -euo pipefail

if [ $# -lt 4 ]; then sed -n '2,19p' "$0" >&2; exit 2; fi
scratch="$1"; csv="$2"; bin="$3"; out="$4"; percent="${5:-1}"
[ -f "$csv" ] || { echo "revision.sh: no CSV at $csv" >&2; exit 2; }
[ -x "$bin" ] || { echo "revision.sh: no etl binary at $bin" >&2; exit 2; }
src="$(cd "$(dirname "$csv")" && pwd)"
dir="$scratch/revision"
rm -rf "$dir"
mkdir -p "$dir"
for f in pipeline.yml indicators.yml kommuneendringer.csv; do
    [ -e "$src/$f" ] && cp -r "$src/$f" "$dir/"
done
[ -d "$src/register" ] && cp -r "$src/register" "$dir/"
cp "$csv" "$dir/bench.csv"
wh="$dir/warehouse.sqlite"

say() { printf '[revision %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# run NAME: etl run under /usr/bin/time; prints "WALL RSS_KB".
run() {
    local rc=0
    /usr/bin/time -f '%e %M' -o "$dir/$1.time" "$bin" run "$dir/pipeline.yml" --warehouse "$wh" --log-format json \
        >"$dir/$1.out" 2>"$dir/$1.err" || rc=$?
    if [ "$rc" != 0 ]; then say "$1 exited with status $rc:"; tail -5 "$dir/$1.err" >&2; exit 1; fi
    tail -n 1 "$dir/$1.time"
}

say "first version: etl run into a fresh warehouse"
read -r wall1 rss1 < <(run first)
size1=$(stat -c %s "$wh")

# revise SALT: revises PERCENT % of the numeric cells (chosen by a hash of SALT and the line
# number) in place; prints "CELLS REVISED".
revise() {
python3 - "$dir/bench.csv" "$percent" "$1" <<'PY'
import sys, zlib
path, percent, salt = sys.argv[1], float(sys.argv[2]), sys.argv[3].encode()
data = open(path, "rb").read()
lines = data.split(b"\r\n")
cells = revised = 0
for i in range(1, len(lines)):
    line = lines[i]
    if not line:
        continue
    head, sep, value = line.rpartition(b";")
    try:
        number = float(value.replace(b",", b"."))
    except ValueError:
        continue                     # a symbol (., .., :): not a number to revise
    cells += 1
    if zlib.crc32(salt + b"%d" % i) % 10000 < percent * 100:
        decimals = len(value.split(b",")[1]) if b"," in value else 0
        new = ("%.*f" % (decimals, number * 1.05 + (1 if decimals == 0 else 0))).replace(".", ",").encode()
        lines[i] = head + sep + new
        revised += 1
open(path, "wb").write(b"\r\n".join(lines))
print(cells, revised)
PY
}

say "second version: $percent % of the cells revised"
revise a >"$dir/revised.txt"
read -r cells revised <"$dir/revised.txt"
say "revised $revised of $cells numeric cells; etl run into the same warehouse"
read -r wall2 rss2 < <(run second)
size2=$(stat -c %s "$wh")
changes=$(grep '"event":"summary"' "$dir/second.out" "$dir/second.err" 2>/dev/null | tail -1 | sed 's/^[^{]*//')
cell_rows=$(sqlite3 "$wh" "SELECT count(*) FROM etl_source_cell" 2>/dev/null || echo null)
# A third version (another $percent %) shows the size a nightly warehouse settles at: the
# pages the second run freed (the first version's staged rows) are used again.
say "third version: another $percent % revised"
revise b >/dev/null
read -r wall3 rss3 < <(run third)
size3=$(stat -c %s "$wh")

python3 - "$out" "$wall1" "$wall2" "$size1" "$size2" "$rss1" "$rss2" "$cells" "$revised" "$cell_rows" "$changes" "$wall3" "$size3" <<'PY'
import json, sys
out, wall1, wall2, size1, size2, rss1, rss2, cells, revised, cell_rows, summary, wall3, size3 = sys.argv[1:14]
wall1, wall2, size1, size2, wall3, size3 = float(wall1), float(wall2), int(size1), int(size2), float(wall3), int(size3)
try:
    s = json.loads(summary)
except ValueError:
    s = {}
lines = [
    {"measurement": "revision_first", "description": "etl run, first version of the CSV, fresh warehouse",
     "wall_seconds": wall1, "peak_rss_mb": round(int(rss1) / 1024, 1), "warehouse_bytes": size1},
    {"measurement": "revision_second", "description": "etl run, second version with %s of %s numeric cells revised" % (revised, cells),
     "wall_seconds": wall2, "peak_rss_mb": round(int(rss2) / 1024, 1), "warehouse_bytes": size2,
     "source_cells_stored": None if cell_rows == "null" else int(cell_rows),
     "facts_revised": s.get("revised"), "facts_added": s.get("added"), "facts_removed": s.get("removed")},
    {"measurement": "revision_ratios", "cells": int(cells), "cells_revised": int(revised),
     "time_ratio": round(wall2 / wall1, 3), "time_goal": "< 0.5", "time_met": wall2 / wall1 < 0.5,
     "growth_ratio": round((size2 - size1) / size1, 4), "growth_goal": "< 0.10", "growth_met": (size2 - size1) / size1 < 0.10,
     "third_time_ratio": round(wall3 / wall1, 3), "third_warehouse_bytes": size3, "third_growth_ratio": round((size3 - size2) / size2, 4)},
]
with open(out, "a") as f:
    for l in lines:
        f.write(json.dumps(l, sort_keys=True) + "\n")
r = lines[2]
print("revision: second run %.2f s / first %.2f s = %.3f (goal < 0.5: %s); warehouse %d -> %d bytes, growth %.4f (goal < 0.10: %s); "
      "third version %.2f s, warehouse %d bytes (growth %.4f over the second)" % (
    wall2, wall1, r["time_ratio"], "met" if r["time_met"] else "NOT met", size1, size2, r["growth_ratio"], "met" if r["growth_met"] else "NOT met",
    wall3, size3, r["third_growth_ratio"]))
PY
