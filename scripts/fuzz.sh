#!/usr/bin/env bash
# Fuzzes every reader in Sources/Ingest with libFuzzer for a set time each.
#
#   scripts/fuzz.sh                      # every reader, 30 s each (FUZZ_SECONDS)
#   FUZZ_SECONDS=600 scripts/fuzz.sh sdmx xlsx
#   FUZZ_SECONDS=0 scripts/fuzz.sh       # replay the corpora and saved crashes only (a regression check)
#
# Readers: csv jsonstat sdmx px husbanken xlsx klass (targets FuzzCSV … FuzzKlass in Fuzz/).
#
# Builds the fuzz package (Fuzz/, a separate SwiftPM package using the main package's `Ingest`
# library product) in release mode with `-sanitize=fuzzer,address` (FUZZ_SANITIZE=fuzzer for a
# faster run without AddressSanitizer), seeds Fuzz/corpus/<reader>/ from the test fixtures, the
# sample inputs and Fuzz/seeds/<reader>/, and runs each target. Prints the executions per
# reader. Exits non-zero when any target crashes, traps, leaks, times out (FUZZ_TIMEOUT s per
# input) or runs out of memory (FUZZ_RSS_MB); the input is saved as Fuzz/crashes/<reader>-*
# and the log as Fuzz/logs/<reader>.log. Inputs in Fuzz/regressions/<reader>/ (crashes found
# before, each with a test) are replayed first every time; one that still crashes fails the
# script too. Reproduce one with
#   Fuzz/.build/release/FuzzSDMX Fuzz/crashes/sdmx-crash-…
# and turn it into a regression test before fixing it.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${FUZZ_SECONDS:-30}
sanitize=${FUZZ_SANITIZE:-fuzzer,address}
max_len=${FUZZ_MAX_LEN:-16384}
timeout_s=${FUZZ_TIMEOUT:-20}
rss_mb=${FUZZ_RSS_MB:-2048}
all=(csv jsonstat sdmx px husbanken xlsx klass)
readers=("$@")
((${#readers[@]})) || readers=("${all[@]}")

target_of() {
  case "$1" in
    csv) echo FuzzCSV ;; jsonstat) echo FuzzJSONStat ;; sdmx) echo FuzzSDMX ;; px) echo FuzzPX ;;
    husbanken) echo FuzzHusbanken ;; xlsx) echo FuzzXLSX ;; klass) echo FuzzKlass ;;
    *) echo "unknown reader \"$1\"; expected one of: ${all[*]}" >&2; exit 2 ;;
  esac
}
for r in "${readers[@]}"; do target_of "$r" >/dev/null || exit 2; done

echo "== building the fuzz targets (-sanitize=$sanitize)"
build_log=$(mktemp)
if ! swift build -c release --package-path Fuzz -Xswiftc "-sanitize=$sanitize" -Xswiftc -parse-as-library >"$build_log" 2>&1; then
  grep -v "Cannot export local symbol '__asan_extra_spill_area'" "$build_log" | tail -40
  echo "fuzz build failed"; rm -f "$build_log"; exit 1
fi
rm -f "$build_log"
bin="$root/Fuzz/.build/release"

# Seeds: the extension decides which reader a fixture feeds.
seed() {  # seed READER DIR
  local reader=$1 dir=$2 f
  mkdir -p "$dir"
  copy() { [ -f "$1" ] || return 0; cp -n "$1" "$dir/seed-$(basename "$(dirname "$1")")-$(basename "$1")" 2>/dev/null || true; }
  for f in Fuzz/seeds/"$reader"/*; do copy "$f"; done
  case "$reader" in
    csv)       for f in pipelines/sample/*.csv pipelines/*.csv; do copy "$f"; done
               while IFS= read -r f; do copy "$f"; done < <(find Tests -path '*/Fixtures/*' \( -name '*.csv' -o -name '*.tsv' -o -name '*.txt' \) 2>/dev/null) ;;
    jsonstat)  for f in pipelines/sample/*.json; do copy "$f"; done
               while IFS= read -r f; do copy "$f"; done < <(find Tests -path '*/Fixtures/*' -name '*.json' 2>/dev/null) ;;
    sdmx)      while IFS= read -r f; do copy "$f"; done < <(find Tests -path '*/Fixtures/*' -name '*.xml' 2>/dev/null) ;;
    px)        while IFS= read -r f; do copy "$f"; done < <(find Tests -path '*/Fixtures/*' -name '*.px' 2>/dev/null) ;;
    husbanken) for f in Fuzz/seeds/csv/*; do copy "$f"; done ;;
    xlsx)      while IFS= read -r f; do copy "$f"; done < <(find Tests -path '*/Fixtures/*' -name '*.xlsx' 2>/dev/null) ;;
    klass)     copy pipelines/kommuneendringer.csv
               for f in Fuzz/seeds/sdmx/from-tests-0[1-2].xml; do copy "$f"; done ;;
  esac
}

mkdir -p Fuzz/crashes Fuzz/logs
failed=()
summary=()
for reader in "${readers[@]}"; do
  target=$(target_of "$reader")
  corpus="Fuzz/corpus/$reader"
  seed "$reader" "$corpus"
  log="Fuzz/logs/$reader.log"
  stamp="Fuzz/logs/.$reader.start"
  touch "$stamp"
  common=(-max_len="$max_len" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -print_final_stats=1 -artifact_prefix="Fuzz/crashes/$reader-")
  : >"$log"
  # Known crashes first: each must now run clean.
  mapfile -t regressions < <(find "Fuzz/regressions/$reader" -maxdepth 1 -type f 2>/dev/null | sort)
  regressed=()
  for f in "${regressions[@]}"; do
    if ! "$bin/$target" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -artifact_prefix="Fuzz/logs/regression-$reader-" "$f" >>"$log" 2>&1; then regressed+=("$f"); fi
  done
  if ((seconds > 0)); then
    echo "== $target: $seconds s from $corpus ($(find "$corpus" -type f | wc -l) inputs)"
    "$bin/$target" -max_total_time="$seconds" "${common[@]}" "$corpus" >>"$log" 2>&1
    status=$?
  else
    # Replay only: every corpus input once, then every saved crash input of this reader.
    echo "== $target: replaying $corpus ($(find "$corpus" -type f | wc -l) inputs) and saved crashes"
    "$bin/$target" -runs=0 "${common[@]}" "$corpus" >>"$log" 2>&1
    status=$?
    mapfile -t saved < <(find Fuzz/crashes -maxdepth 1 -type f -name "$reader-*" ! -newer "$stamp" 2>/dev/null | sort)
    if ((status == 0 && ${#saved[@]})); then
      "$bin/$target" "${common[@]}" "${saved[@]}" >>"$log" 2>&1
      status=$?
    fi
  fi
  if ((${#regressed[@]})); then
    echo "-- $target: ${#regressed[@]} of ${#regressions[@]} regression inputs still crash:"
    printf '   %s\n' "${regressed[@]}"
    ((status == 0)) && status=99
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  line=$(printf '%-10s %10s executions %7s/s  peak RSS %5s MB' "$reader" "${execs:-?}" "${rate:-?}" "${rss:-?}")
  if ((status != 0)); then
    line="$line  FAILED (exit $status)"
    failed+=("$reader")
    echo "-- $target failed (exit $status); the end of $log:"
    grep -E "ERROR|SUMMARY|Fatal error|deadly signal|timeout|out-of-memory|leak|Test unit written| in .*(Ingest|Fuzz)[A-Za-z]*/|SDMXReader|Reader\.swift" "$log" | grep -v "Cannot export local symbol" | head -40
  fi
  find Fuzz/crashes -maxdepth 1 -type f -name "$reader-*" -newer "$stamp" 2>/dev/null | sort | sed 's/^/   saved input: /'
  rm -f "$stamp"
  summary+=("$line")
  echo "$line"
done

echo
echo "== fuzz summary ($seconds s per reader, -sanitize=$sanitize)"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]} (inputs in Fuzz/crashes/, logs in Fuzz/logs/)"
  exit 1
fi
echo "no crashes"
