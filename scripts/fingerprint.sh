#!/usr/bin/env bash
# Prints the SHA-256 of what a warehouse publishes (scripts/fingerprint.sql) and the number of
# lines it covers. Two warehouses with the same fingerprint publish bit-identical facts,
# lineage, group statistics and warnings: used to show a refactoring or an optimisation
# changed nothing.
#     scripts/fingerprint.sh WAREHOUSE            # the fingerprint
#     scripts/fingerprint.sh WAREHOUSE --dump     # the lines themselves, to compare two warehouses with diff
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 WAREHOUSE [--dump]" >&2; exit 2; }
[ -f "$1" ] || { echo "$0: $1: no such warehouse" >&2; exit 2; }
if [ "${2:-}" = "--dump" ]; then exec sqlite3 -readonly "$1" < "$here/fingerprint.sql"; fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sqlite3 -readonly "$1" < "$here/fingerprint.sql" > "$tmp"
echo "$(sha256sum < "$tmp" | cut -d' ' -f1)  $(wc -l < "$tmp") lines  $1"
