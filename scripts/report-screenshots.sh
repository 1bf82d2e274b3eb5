#!/usr/bin/env bash
# Renders pages of an `etl report` folder in headless Chromium (Debian's `chromium`) and fails
# when a screenshot is blank (scripts/check_screenshot.py). Used by .ci/run and ReportTests.
# Usage: scripts/report-screenshots.sh REPORT_DIR OUT_DIR [PAGE …]   (default pages below)
set -euo pipefail
report=$1 out=$2
shift 2
pages=("$@")
((${#pages[@]})) || pages=(index.html region/3118.html indikator/legemiddelgjennomgang.html)
browser=${CHROMIUM:-chromium}
mkdir -p "$out"
for page in "${pages[@]}"; do
  [[ -f "$report/$page" ]] || { echo "error: $report/$page: no such page in the report"; exit 1; }
  png="$out/$(echo "${page%.html}" | tr / _).png"
  rm -f "$png"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --screenshot="$png" --window-size=1100,1500 "file://$(realpath "$report/$page")" >/dev/null 2>&1
  [[ -s "$png" ]] || { echo "error: $page: chromium wrote no screenshot"; exit 1; }
  python3 "$(dirname "$0")/check_screenshot.py" "$png"
done
