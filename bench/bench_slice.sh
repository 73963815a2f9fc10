#!/usr/bin/env bash
# Cost of slicing: `preview` on one synthetic export with no --slice (the
# fused fast path, 1 thread and every core), with one slicing
# (is_wirehouse) and with three (is_wirehouse, firm size bins, contact
# month). Sliced scans read every row through the general row reader in
# one pass. Alternating runs, median wall time and peak RSS, as a
# Markdown table; the overall tables of every run must be identical.
#
#   bash bench/bench_slice.sh [ROWS]      (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
REPEAT=${REPEAT:-5}
bash scripts/build.sh
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
work=bench/.work
mkdir -p "$work"
data="$work/slice-$ROWS.csv"
[ -f "$data" ] || ./build/tiergate synth --rows "$ROWS" -o "$data"
rules=registry/tiers/v3.2.json
declare -A args=(
  [plain_1thread]="--threads 1"
  [plain_cores]=""
  [slice_1]="--slice is_wirehouse"
  [slice_3]="--slice is_wirehouse --slice firm_rep_count_at_contact:0,10,50,200 --slice contacted_date:month"
)
labels=(plain_1thread plain_cores slice_1 slice_3)
rm -f "$work"/*.slicetimes
for _ in $(seq "$REPEAT"); do
  for l in "${labels[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M" -o "$work/t" ./build/tiergate preview --rules $rules \
      --data "$data" --format csv ${args[$l]} > "$work/$l.out"
    cat "$work/t" >> "$work/$l.slicetimes"
    # The overall rows (empty slice columns) must not depend on slicing.
    awk 'NR == 1 { sliced = /^slice,/; next }
         !sliced { print } sliced && /^,,/ { sub(/^,,/, ""); print }' \
      "$work/$l.out" > "$work/$l.overall"
  done
done
for l in "${labels[@]}"; do
  cmp -s "$work/plain_cores.overall" "$work/$l.overall" \
    || { echo "overall tables differ: $l" >&2; exit 1; }
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| run ($ROWS rows) | wall s | rows/s | peak RSS |"
echo "|---|---:|---:|---:|"
for l in "${labels[@]}"; do
  s=$(cut -d' ' -f1 "$work/$l.slicetimes" | median)
  kb=$(cut -d' ' -f2 "$work/$l.slicetimes" | median)
  awk -v l="$l" -v s="$s" -v kb="$kb" -v n="$ROWS" \
    'BEGIN { printf "| %s | %.2f | %.1fM | %.1f MB |\n", l, s, n / s / 1e6, kb / 1024 }'
done
